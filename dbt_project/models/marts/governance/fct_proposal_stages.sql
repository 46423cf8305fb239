-- One row per proposal and funnel stage it reached: when it entered the stage (its first entry, from
-- fct_proposal_stage_changes), when it moved on (NULL while it is still there) and how long it stayed.
with stage_changes as (
    select * from {{ ref('fct_proposal_stage_changes') }}
),

changes as (
    select * from {{ ref('stg_togetheros__proposal_status_changes') }}
),

first_entries as (
    select
        proposal_id,
        group_id,
        cohort_month,
        stage,
        stage_order,
        changed_at as entered_at
    from stage_changes
    where counts_in_funnel
),

with_exits as (
    select
        first_entries.proposal_id,
        first_entries.group_id,
        first_entries.cohort_month,
        first_entries.stage,
        first_entries.stage_order,
        first_entries.entered_at,
        min(changes.changed_at) as left_at
    from first_entries
    left join changes
        on first_entries.proposal_id = changes.proposal_id
        and first_entries.stage = changes.from_status
        and first_entries.entered_at <= changes.changed_at
    group by all
),

final as (
    select
        proposal_id,
        group_id,
        cohort_month,
        stage,
        stage_order,
        entered_at,
        left_at,
        cast({{ dbt.datediff('entered_at', 'left_at', 'second') }} as bigint) as seconds_in_stage
    from with_exits
)

select * from final
