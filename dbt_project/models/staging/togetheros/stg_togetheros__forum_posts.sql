-- The latest version of each post first, then deleted ones left out: a later export that deletes a
-- post removes it (filtering first would bring its earlier version back).
with posts as (
    select * from {{ source('togetheros', 'togetheros__forum_posts') }}
    {{ latest_row('post_id', 'updated_at desc nulls last') }}
),

topics as (
    select * from {{ ref('stg_togetheros__topics') }}  -- one row per topic, its latest version
),

final as (
    select
        posts.post_id,
        posts.topic_id,
        topics.group_id,
        cast(posts.author_id as string) as author_id,
        posts.stance,
        posts.created_at
    from posts
    inner join topics on posts.topic_id = topics.topic_id
    where posts.deleted_at is null
)

select * from final
