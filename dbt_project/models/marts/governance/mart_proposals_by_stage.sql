-- Proposals per current stage in each group, counting those of every group below it too.
with proposals as (
    select * from {{ ref('fct_proposals') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        proposals.stage,
        count(*) as proposals
    from proposals
    inner join groups on proposals.group_id = groups.group_id
    group by all
)

select * from final
