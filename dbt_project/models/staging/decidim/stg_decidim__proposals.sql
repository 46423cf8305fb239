-- Withdrawn proposals are left out of public counts.
with source as (
    select * from {{ source('decidim', 'decidim__proposals') }}
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
    from source
    where not coalesce(withdrawn, false) and published_at is not null
    {{ latest_row('proposal_id', 'updated_at desc nulls last') }}
)

select * from final
