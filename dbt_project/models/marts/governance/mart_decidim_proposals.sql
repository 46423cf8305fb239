-- Decidim proposals per group (and every group below it), month published and answer state, with the
-- supports they gathered. Withdrawn and unpublished proposals are not counted.
with proposals as (
    select * from {{ ref('stg_decidim__proposals') }}
),

space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

located as (
    select
        space_groups.group_id,
        {{ month_of('proposals.published_at') }} as month,
        coalesce(proposals.state, 'not_answered') as state,
        proposals.votes
    from proposals
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(proposals.component_id as string)
),

final as (
    select
        groups.ancestor_id as group_id,
        located.month,
        located.state,
        count(*) as proposals,
        sum(located.votes) as supports
    from located
    inner join groups on located.group_id = groups.group_id
    group by all
)

select * from final
