-- Deleted proposals are excluded from every public count.
with source as (
    select * from {{ source('togetheros', 'togetheros__proposals') }}
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
    from source
    where deleted_at is null
    {{ latest_row('proposal_id', 'updated_at desc nulls last') }}
)

select * from final
