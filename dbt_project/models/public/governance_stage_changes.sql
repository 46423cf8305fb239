-- One row per change of stage of a TogetherOS proposal: its creation, each recorded move and its current
-- stage where the history misses the move (fct_proposal_stage_changes), dated by day. No person, no text.
with changes as (
    select * from {{ ref('fct_proposal_stage_changes') }}
),

final as (
    select
        cast(proposal_id as string) as proposal_id,
        cast(
            row_number() over (partition by proposal_id order by changed_at, stage_order, recorded_as) as integer
        ) as change_number,
        'togetheros' as source,
        cast(group_id as string) as group_id,
        cast(cohort_month as date) as cohort_month,
        cast(from_stage as string) as from_stage,
        cast(stage as string) as stage,
        cast(stage_order as integer) as stage_order,
        cast(changed_at as date) as changed_on,
        cast(recorded_as as string) as recorded_as,
        cast(counts_in_funnel as boolean) as counts_in_funnel,
        cast(is_current as boolean) as is_current
    from changes
)

{{ select_with_group_names('final') }}
