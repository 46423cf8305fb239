-- Delivery of decisions per group and decision month: rates, timeliness, and what is overdue or
-- stalled now (the rates are mart_delivery_by_cohort's).
with cohorts as (
    select * from {{ ref('mart_delivery_by_cohort') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(decision_month as date) as decision_month,
        cast(decisions_approved as bigint) as decisions_approved,
        cast(decisions_delivered as bigint) as decisions_delivered,
        cast(delivered_on_time as bigint) as delivered_on_time,
        cast(delivery_rate_pct as decimal(5, 1)) as delivery_rate_pct,
        cast(on_time_rate_pct as decimal(5, 1)) as on_time_rate_pct,
        cast(median_days_to_delivery as decimal(10, 1)) as median_days_to_delivery,
        cast(initiatives_overdue as bigint) as initiatives_overdue,
        cast(initiatives_stalled as bigint) as initiatives_stalled
    from cohorts
)

{{ select_with_group_names('final') }}
