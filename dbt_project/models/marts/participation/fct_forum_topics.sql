-- Every public forum topic (TogetherOS forum and Discourse) with its group, when it opened and when
-- someone other than its author first replied (NULL: nobody has yet). is_complete is false for a
-- Discourse topic whose topic page was not saved: its posts count, but some of them may be missing.
with togetheros_topics as (
    select * from {{ ref('stg_togetheros__topics') }}
),

togetheros_posts as (
    select * from {{ ref('stg_togetheros__forum_posts') }}
),

discourse_posts as (
    select * from {{ ref('stg_discourse__posts') }}
),

activity_events as (
    select * from {{ ref('int_activity_events') }}
),

togetheros as (
    select
        'togetheros' as source,
        togetheros_topics.topic_id,
        togetheros_topics.group_id,
        togetheros_topics.created_at,
        min(togetheros_posts.created_at) as first_reply_at,
        true as is_complete
    from togetheros_topics
    left join togetheros_posts
        on togetheros_topics.topic_id = togetheros_posts.topic_id
        and togetheros_posts.author_id is distinct from togetheros_topics.author_id
        and togetheros_topics.created_at <= togetheros_posts.created_at
    where togetheros_topics.group_id is not null
    group by all
),

-- a Discourse topic opens with post 1; its group is the one that post's activity event belongs to
discourse_openers as (
    select
        discourse_posts.topic_id,
        discourse_posts.user_id,
        discourse_posts.created_at,
        coalesce(discourse_posts.topic_is_complete, true) as is_complete,
        activity_events.context as group_id
    from discourse_posts
    inner join activity_events
        on activity_events.source = 'discourse'
        and activity_events.object = 'discourse:post:' || discourse_posts.post_id
    where discourse_posts.post_number = 1
),

discourse as (
    select
        'discourse' as source,
        cast(discourse_openers.topic_id as string) as topic_id,
        discourse_openers.group_id,
        discourse_openers.created_at,
        min(replies.created_at) as first_reply_at,
        discourse_openers.is_complete
    from discourse_openers
    left join discourse_posts as replies
        on discourse_openers.topic_id = replies.topic_id
        and replies.post_number > 1
        and discourse_openers.user_id <> replies.user_id
    group by all
),

topics as (
    select * from togetheros
    union all
    select * from discourse
),

final as (
    select
        *,
        cast({{ dbt.datediff('created_at', 'first_reply_at', 'second') }} as bigint) as seconds_to_first_response
    from topics
)

select * from final
