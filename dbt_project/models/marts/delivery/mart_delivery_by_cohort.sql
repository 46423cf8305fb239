-- Delivery of decisions per group (and every group below it) and decision month: approved, delivered,
-- delivered by the deadline, the two rates, days from decision to delivery, and initiatives now overdue
-- or stalled.
with decisions as (
    select * from {{ ref('fct_approved_decisions') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

cohorts as (
    select
        groups.ancestor_id as group_id,
        decisions.decision_month,
        count(*) as decisions_approved,
        count_if(decisions.is_delivered) as decisions_delivered,
        count_if(decisions.is_delivered and decisions.delivered_on <= decisions.deadline) as delivered_on_time,
        {{ median_tenths("case when decisions.is_delivered then " ~ dbt.datediff('decisions.decided_on', 'decisions.delivered_on', 'day') ~ " end", 1) }}
            as median_days_to_delivery,
        sum(decisions.initiatives_overdue) as initiatives_overdue,
        sum(decisions.initiatives_stalled) as initiatives_stalled
    from decisions
    inner join groups on decisions.group_id = groups.group_id
    group by all
),

final as (
    select
        group_id,
        decision_month,
        decisions_approved,
        decisions_delivered,
        delivered_on_time,
        {{ percent_tenths('decisions_delivered', 'decisions_approved') }} as delivery_rate_pct,
        {{ percent_tenths('delivered_on_time', 'decisions_delivered') }} as on_time_rate_pct,
        median_days_to_delivery,
        initiatives_overdue,
        initiatives_stalled
    from cohorts
)

select * from final
