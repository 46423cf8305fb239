-- Forum responsiveness per group (and every group below it) and month a topic opened: topics opened,
-- topics that got a reply from someone other than the author, and the median wait for that reply.
with topics as (
    select * from {{ ref('fct_forum_topics') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('topics.created_at') }} as month,
        count(*) as topics_opened,
        count(topics.first_reply_at) as topics_answered,
        {{ median_tenths('topics.seconds_to_first_response', 3600) }} as median_hours_to_first_response
    from topics
    inner join groups on topics.group_id = groups.group_id
    group by all
)

select * from final
