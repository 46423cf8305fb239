-- Withdrawn and unpublished proposals are left out of public counts, as their latest version says: a
-- later export that withdraws a proposal removes it (filtering first would bring its earlier version back).
with source as (
    select * from {{ source('decidim', 'decidim__proposals') }}
),

latest as (
    select * from source
    {{ latest_row('proposal_id', 'updated_at desc nulls last') }}
),

final as (
    select
        proposal_id,
        component_id,
        cast(author_id as string) as author_id,
        state,
        published_at,
        votes,
        comments_count,
        answered_at,
        url,
        created_at,
        updated_at
    from latest
    where not coalesce(withdrawn, false) and published_at is not null
)

select * from final
