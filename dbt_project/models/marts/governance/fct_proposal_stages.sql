-- One row per proposal and funnel stage it reached: when it entered the stage, when it moved on (NULL
-- while it is still there) and how long it stayed. Every proposal starts as a draft when created.
with proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

changes as (
    select * from {{ ref('stg_togetheros__proposal_status_changes') }}
),

funnel_stages as (
    select * from {{ ref('proposal_stages') }}
    where is_funnel_stage
),

entries as (
    select
        proposal_id,
        'draft' as stage,
        created_at as entered_at
    from proposals

    union all
    select
        proposal_id,
        to_status as stage,
        min(changed_at) as entered_at
    from changes
    where to_status <> 'draft'
    group by all

    union all
    -- a stage the proposal is in now counts as reached even if the history misses its change
    select
        proposal_id,
        status as stage,
        coalesce(updated_at, created_at) as entered_at
    from proposals
    where status <> 'draft'
),

first_entries as (
    select
        entries.proposal_id,
        entries.stage,
        funnel_stages.stage_order,
        min(entries.entered_at) as entered_at
    from entries
    inner join funnel_stages on entries.stage = funnel_stages.stage
    group by all
),

with_exits as (
    select
        first_entries.proposal_id,
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
        with_exits.proposal_id,
        proposals.group_id,
        {{ month_of('proposals.created_at') }} as cohort_month,
        with_exits.stage,
        with_exits.stage_order,
        with_exits.entered_at,
        with_exits.left_at,
        cast(date_diff('second', with_exits.entered_at, with_exits.left_at) as bigint) as seconds_in_stage
    from with_exits
    inner join proposals on with_exits.proposal_id = proposals.proposal_id
    where proposals.group_id is not null
)

select * from final
