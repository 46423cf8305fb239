-- Deleted proposals are excluded from every public count: the latest version is found first, so a later
-- export that deletes a proposal removes it (filtering first would bring its earlier version back).
with source as (
    select * from {{ source('togetheros', 'togetheros__proposals') }}
),

latest as (
    select * from source
    {{ latest_row('proposal_id', 'updated_at desc nulls last') }}
),

final as (
    select
        proposal_id,
        scope_type,
        scope_id as group_id,
        cast(author_id as string) as author_id,
        status,
        created_at,
        updated_at,
        decided_at,
        decision_outcome,
        has_minority_report
    from latest
    where deleted_at is null
)

select * from final
