-- One vote per member per proposal; a changed vote keeps its latest choice.
with source as (
    select * from {{ source('togetheros', 'togetheros__proposal_votes') }}
),

final as (
    select
        proposal_id,
        cast(member_id as string) as member_id,
        vote_type,
        voted_at,
        coalesce(updated_at, voted_at) as updated_at
    from source
    {{ latest_row('proposal_id, member_id', 'coalesce(updated_at, voted_at) desc') }}
)

select * from final
