-- Public posts only: no private-message topics, no whispers (post_type 4), no hidden or deleted
-- posts; an edited post appears once, in its latest version.
with posts as (
    select * from {{ source('discourse', 'discourse__posts') }}
),

topics as (
    select * from {{ source('discourse', 'discourse__topics') }}
    {{ latest_row('topic_id', 'last_posted_at desc nulls last') }}
),

latest_posts as (
    select * from posts
    {{ latest_row('post_id', 'version desc nulls last, updated_at desc nulls last') }}
),

final as (
    select
        latest_posts.post_id,
        latest_posts.topic_id,
        topics.category_id,
        cast(latest_posts.user_id as {{ dbt.type_string() }}) as user_id,
        latest_posts.post_number,
        latest_posts.reply_to_post_number,
        latest_posts.created_at,
        latest_posts.version
    from latest_posts
    inner join topics on latest_posts.topic_id = topics.topic_id
    where coalesce(topics.archetype, 'regular') <> 'private_message'
        and latest_posts.post_type <> 4
        and not coalesce(latest_posts.hidden, false)
        and not coalesce(latest_posts.user_deleted, false)
        and latest_posts.deleted_at is null
        and topics.deleted_at is null
        and latest_posts.user_id > 0
)

select * from final
