-- The proposal funnel per group and creation-month cohort, with the median days spent in each stage.
with funnel as (
    select * from {{ ref('mart_proposal_funnel') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(cohort_month as date) as cohort_month,
        cast(stage as string) as stage,
        cast(stage_order as integer) as stage_order,
        cast(proposals_reached as bigint) as proposals_reached,
        cast(proposals_moved_on as bigint) as proposals_moved_on,
        cast(median_days_in_stage as decimal(10, 1)) as median_days_in_stage
    from funnel
)

{{ select_with_group_names('final') }}
