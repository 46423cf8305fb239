-- The proposal funnel per group (and every group below it) and creation-month cohort: how many
-- proposals reached each stage, and the median days those that moved on spent in it.
with stages as (
    select * from {{ ref('fct_proposal_stages') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        stages.cohort_month,
        stages.stage,
        stages.stage_order,
        count(*) as proposals_reached,
        count(stages.left_at) as proposals_moved_on,
        {{ median_tenths('stages.seconds_in_stage', 86400) }} as median_days_in_stage
    from stages
    inner join groups on stages.group_id = groups.group_id
    group by all
)

select * from final
