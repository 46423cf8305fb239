-- The common event schema (actor_id, verb, object, context, ts, weight) across every source.
-- actor_id is the pseudonymous member; context is the TogetherOS group the event belongs to.
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
    select 'togetheros' as source, author_id as source_user_id, 'proposal.created' as verb,
        'togetheros:proposal:' || proposal_id as object, group_id, created_at as ts
    from togetheros_proposals

    union all
    select 'togetheros', votes.member_id, 'proposal.voted', 'togetheros:proposal:' || votes.proposal_id,
        togetheros_proposals.group_id, votes.voted_at
    from {{ ref('stg_togetheros__proposal_votes') }} as votes
    inner join togetheros_proposals on votes.proposal_id = togetheros_proposals.proposal_id

    union all
    select 'togetheros', author_id, 'forum.posted', 'togetheros:post:' || post_id, group_id, created_at
    from {{ ref('stg_togetheros__forum_posts') }}

    union all
    select 'togetheros', member_id, 'support_points.allocated', 'togetheros:allocation:' || allocation_id,
        group_id, created_at
    from {{ ref('stg_togetheros__support_points_allocations') }}

    union all
    select 'togetheros', provider_id, 'timebank.provided', 'togetheros:timebank:' || transaction_id,
        group_id, confirmed_at
    from {{ ref('stg_togetheros__timebank_transactions') }}
    where status = 'confirmed'

    union all
    select 'togetheros', receiver_id, 'timebank.received', 'togetheros:timebank:' || transaction_id,
        group_id, confirmed_at
    from {{ ref('stg_togetheros__timebank_transactions') }}
    where status = 'confirmed'

    union all
    select 'discourse', posts.user_id, 'forum.posted', 'discourse:post:' || posts.post_id,
        coalesce(own.group_id, parent.group_id), posts.created_at
    from {{ ref('stg_discourse__posts') }} as posts
    left join discourse_categories on posts.category_id = discourse_categories.category_id
    left join space_groups as own
        on own.source = 'discourse' and own.space_id = cast(posts.category_id as {{ dbt.type_string() }})
    left join space_groups as parent
        on parent.source = 'discourse' and parent.space_id = cast(discourse_categories.parent_category_id as {{ dbt.type_string() }})

    union all
    select 'decidim', proposals.author_id, 'proposal.created', 'decidim:proposal:' || proposals.proposal_id,
        space_groups.group_id, proposals.published_at
    from {{ ref('stg_decidim__proposals') }} as proposals
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(proposals.component_id as {{ dbt.type_string() }})

    union all
    select 'decidim', comments.author_id, 'proposal.commented', 'decidim:comment:' || comments.comment_id,
        space_groups.group_id, comments.created_at
    from {{ ref('stg_decidim__proposal_comments') }} as comments
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(comments.component_id as {{ dbt.type_string() }})

    union all
    select 'timeoverflow', movements.user_id,
        -- the credited account earned the hours: its holder provided the service
        case when movements.amount_seconds > 0 then 'timebank.provided' else 'timebank.received' end,
        'timeoverflow:transfer:' || movements.transfer_id, space_groups.group_id, movements.created_at
    from {{ ref('stg_timeoverflow__movements') }} as movements
    inner join space_groups
        on space_groups.source = 'timeoverflow' and space_groups.space_id = cast(movements.organization_id as {{ dbt.type_string() }})
    where movements.accountable_type = 'Member'

    union all
    select 'timebank_hours', hours.provider_key, 'timebank.provided', 'hours:' || hours.exchange_id,
        space_groups.group_id, cast(hours.exchanged_on as timestamp)
    from {{ ref('stg_timeoverflow__hours') }} as hours
    inner join space_groups on space_groups.source = 'timeoverflow' and space_groups.space_id = hours.space_id

    union all
    select 'timebank_hours', hours.receiver_key, 'timebank.received', 'hours:' || hours.exchange_id,
        space_groups.group_id, cast(hours.exchanged_on as timestamp)
    from {{ ref('stg_timeoverflow__hours') }} as hours
    inner join space_groups on space_groups.source = 'timeoverflow' and space_groups.space_id = hours.space_id
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
