-- Members' public posts only: no private-message topics, no whispers (post_type 4), no hidden or
-- deleted posts; an edited post appears once, in its latest version.
-- Not members' posts (docs/methodology/participation.md, "Accounts that are not members"): posts of
-- Discourse's own accounts (user id 0 or below: system is -1, discobot -2, plugin bots below), of the
-- built-in bot names however numbered, and moderator and small actions (post_type 2 and 3: "closed this
-- topic", "pinned"), which the forum writes itself on a moderator's click.
-- A post whose topic page was not saved is kept, its topic marked incomplete (topic_is_complete =
-- false) and its category the one the post itself names.
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
        coalesce(topics.category_id, latest_posts.category_id) as category_id,
        cast(latest_posts.user_id as string) as user_id,
        latest_posts.post_number,
        latest_posts.reply_to_post_number,
        latest_posts.created_at,
        latest_posts.version,
        topics.topic_id is not null as topic_is_complete
    from latest_posts
    left join topics on latest_posts.topic_id = topics.topic_id
    where coalesce(topics.archetype, 'regular') <> 'private_message'
        and latest_posts.post_type = 1
        and not coalesce(latest_posts.hidden, false)
        and not coalesce(latest_posts.user_deleted, false)
        and latest_posts.deleted_at is null
        and topics.deleted_at is null
        and latest_posts.user_id > 0
        and lower(coalesce(latest_posts.username, '')) not in ({{ discourse_system_usernames() }})
)

select * from final
