-- Every change of stage of a public TogetherOS proposal: its creation (into draft), each recorded move,
-- and its current stage where the history misses the move into it (or records it later). The funnel
-- counts a proposal's first entry into each funnel stage (counts_in_funnel); moves back into draft do
-- not count, a proposal enters draft when it is created. is_current marks the latest change into the
-- stage the proposal is in now (one per proposal: what proposals_by_stage counts).
with proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

changes as (
    select * from {{ ref('stg_togetheros__proposal_status_changes') }}
),

stages as (
    select * from {{ ref('proposal_stages') }}
),

created as (
    select
        proposal_id,
        cast(null as string) as from_stage,
        'draft' as stage,
        created_at as changed_at,
        'created' as recorded_as
    from proposals
),

recorded as (
    select
        proposal_id,
        from_status as from_stage,
        to_status as stage,
        changed_at,
        'status_change' as recorded_as
    from changes
),

current_only as (
    select
        proposals.proposal_id,
        cast(null as string) as from_stage,
        proposals.status as stage,
        coalesce(proposals.updated_at, proposals.created_at) as changed_at,
        'current_status' as recorded_as
    from proposals
    where
        proposals.status <> 'draft'
        and not exists (
            select 1 from changes
            where
                changes.proposal_id = proposals.proposal_id
                and changes.to_status = proposals.status
                and changes.changed_at <= coalesce(proposals.updated_at, proposals.created_at)
        )
),

all_changes as (
    select * from created
    union all
    select * from recorded
    union all
    select * from current_only
),

ranked as (
    select
        all_changes.*,
        coalesce(stages.is_funnel_stage, false) and not (all_changes.stage = 'draft' and all_changes.recorded_as = 'status_change')
            as is_entry,
        stages.stage_order
    from all_changes
    left join stages on all_changes.stage = stages.stage
),

final as (
    select
        ranked.proposal_id,
        proposals.group_id,
        {{ month_of('proposals.created_at') }} as cohort_month,
        ranked.from_stage,
        ranked.stage,
        ranked.stage_order,
        ranked.changed_at,
        ranked.recorded_as,
        ranked.is_entry
        and row_number() over (
            partition by ranked.proposal_id, ranked.stage, ranked.is_entry order by ranked.changed_at, ranked.recorded_as
        ) = 1 as counts_in_funnel,
        ranked.stage = proposals.status
        and row_number() over (
            partition by ranked.proposal_id, ranked.stage order by ranked.changed_at desc, ranked.recorded_as desc
        ) = 1 as is_current
    from ranked
    inner join proposals on ranked.proposal_id = proposals.proposal_id
    where proposals.group_id is not null
)

select * from final
