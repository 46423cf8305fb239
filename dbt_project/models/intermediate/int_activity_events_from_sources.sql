-- The common event schema (actor_id, verb, object, context, ts, weight) across every source, as the
-- sources give it now (a view: int_activity_events keeps it as a table, month by month).
-- actor_id is the pseudonymous member; context is the TogetherOS group the event belongs to.
-- (on Spark a table, as staging is: its views cannot call the session's pseudonym function)
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

discourse_categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

togetheros_proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

events as (
    select
        'togetheros' as source,
        author_id as source_user_id,
        'proposal.created' as verb,
        'togetheros:proposal:' || proposal_id as object,
        group_id,
        created_at as ts
    from togetheros_proposals

    union all
    select
        'togetheros' as source,
        votes.member_id as source_user_id,
        'proposal.voted' as verb,
        'togetheros:proposal:' || votes.proposal_id as object,
        togetheros_proposals.group_id,
        votes.voted_at as ts
    from {{ ref('stg_togetheros__proposal_votes') }} as votes
    inner join togetheros_proposals on votes.proposal_id = togetheros_proposals.proposal_id

    union all
    select
        'togetheros' as source,
        author_id as source_user_id,
        'forum.posted' as verb,
        'togetheros:post:' || post_id as object,
        group_id,
        created_at as ts
    from {{ ref('stg_togetheros__forum_posts') }}

    union all
    select
        'togetheros' as source,
        member_id as source_user_id,
        'support_points.allocated' as verb,
        'togetheros:allocation:' || allocation_id as object,
        group_id,
        created_at as ts
    from {{ ref('stg_togetheros__support_points_allocations') }}

    union all
    select
        'togetheros' as source,
        case sides.role when 'provided' then transactions.provider_id else transactions.receiver_id end
            as source_user_id,
        'timebank.' || sides.role as verb,
        'togetheros:timebank:' || transactions.transaction_id as object,
        transactions.group_id,
        transactions.confirmed_at as ts
    from {{ ref('stg_togetheros__timebank_transactions') }} as transactions
    -- both sides of each exchange (a plain cross join: Spark has no lateral values)
    cross join (select 'provided' as role union all select 'received' as role) as sides
    where transactions.status = 'confirmed'

    union all
    select
        'discourse' as source,
        posts.user_id as source_user_id,
        'forum.posted' as verb,
        'discourse:post:' || posts.post_id as object,
        coalesce(own.group_id, parent.group_id) as group_id,
        posts.created_at as ts
    from {{ ref('stg_discourse__posts') }} as posts
    left join discourse_categories on posts.category_id = discourse_categories.category_id
    left join space_groups as own
        on own.source = 'discourse' and own.space_id = cast(posts.category_id as string)
    left join space_groups as parent
        on parent.source = 'discourse' and parent.space_id = cast(discourse_categories.parent_category_id as string)

    union all
    select
        'decidim' as source,
        proposals.author_id as source_user_id,
        'proposal.created' as verb,
        'decidim:proposal:' || proposals.proposal_id as object,
        space_groups.group_id,
        proposals.published_at as ts
    from {{ ref('stg_decidim__proposals') }} as proposals
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(proposals.component_id as string)

    union all
    select
        'decidim' as source,
        comments.author_id as source_user_id,
        'proposal.commented' as verb,
        'decidim:comment:' || comments.comment_id as object,
        space_groups.group_id,
        comments.created_at as ts
    from {{ ref('stg_decidim__proposal_comments') }} as comments
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(comments.component_id as string)

    union all
    select
        'timeoverflow' as source,
        movements.user_id as source_user_id,
        -- the credited account earned the hours: its holder provided the service
        case when movements.amount_seconds > 0 then 'timebank.provided' else 'timebank.received' end as verb,
        'timeoverflow:transfer:' || movements.transfer_id as object,
        space_groups.group_id,
        movements.created_at as ts
    from {{ ref('stg_timeoverflow__movements') }} as movements
    inner join space_groups
        on space_groups.source = 'timeoverflow' and space_groups.space_id = cast(movements.organization_id as string)
    where movements.accountable_type = 'Member'

    union all
    select
        'timebank_hours' as source,
        case sides.role when 'provided' then hours.provider_key else hours.receiver_key end as source_user_id,
        'timebank.' || sides.role as verb,
        'hours:' || hours.exchange_id as object,
        space_groups.group_id,
        cast(hours.exchanged_on as timestamp) as ts
    from {{ ref('stg_timeoverflow__hours') }} as hours
    cross join (select 'provided' as role union all select 'received' as role) as sides
    inner join space_groups on hours.space_id = space_groups.space_id and space_groups.source = 'timeoverflow'
),

members as (
    select * from {{ ref('int_members') }}
),

final as (
    select
        coalesce(
            members.member_id,
            {{ member_id(source_account_key('events.source', 'events.source_user_id')) }}
        ) as actor_id,
        events.verb,
        events.object,
        events.group_id as context,
        events.ts,
        1 as weight,
        events.source
    from events
    left join members on events.source = members.source and events.source_user_id = members.source_user_id
    where events.group_id is not null and events.ts is not null and events.source_user_id is not null
)

select * from final
