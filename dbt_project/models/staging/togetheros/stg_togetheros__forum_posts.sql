with posts as (
    select * from {{ source('togetheros', 'togetheros__forum_posts') }}
),

topics as (
    select * from {{ source('togetheros', 'togetheros__topics') }}
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
    {{ latest_row('posts.post_id', 'posts.updated_at desc nulls last') }}
)

select * from final
