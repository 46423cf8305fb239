-- Delivery of decisions per group and decision month: rates, timeliness, and what is overdue or
-- stalled now.
with cohorts as (
    select * from {{ ref('mart_delivery_by_cohort') }}
),

final as (
    select
        cast(group_id as {{ dbt.type_string() }}) as group_id,
        cast(decision_month as date) as decision_month,
        cast(decisions_approved as bigint) as decisions_approved,
        cast(decisions_delivered as bigint) as decisions_delivered,
        cast(delivered_on_time as bigint) as delivered_on_time,
        {{ percent_tenths('decisions_delivered', 'decisions_approved') }} as delivery_rate_pct,
        {{ percent_tenths('delivered_on_time', 'decisions_delivered') }} as on_time_rate_pct,
        cast(median_days_to_delivery as decimal(10, 1)) as median_days_to_delivery,
        cast(initiatives_overdue as bigint) as initiatives_overdue,
        cast(initiatives_stalled as bigint) as initiatives_stalled
    from cohorts
)

select * from final
