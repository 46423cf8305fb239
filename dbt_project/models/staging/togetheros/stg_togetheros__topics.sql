-- Forum topics of the platform: when and where a thread opened and who opened it (pseudonymous id
-- only; titles stay behind). Latest version wins.
with source as (
    select * from {{ source('togetheros', 'togetheros__topics') }}
),

final as (
    select
        topic_id,
        group_id,
        cast(author_id as string) as author_id,
        category,
        status,
        created_at,
        last_activity_at,
        linked_proposal_id
    from source
    {{ latest_row('topic_id', 'last_activity_at desc nulls last, _landing_sha256 desc') }}
)

select * from final
