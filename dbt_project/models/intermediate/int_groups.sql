-- The group hierarchy (local → regional → national → global) and, for every group, each group at
-- or above it: a fact in a city counts for its region, nation and the federation too.
with recursive groups as (
    select * from {{ ref('int_group_list') }}
),

ancestry (group_id, ancestor_id, distance) as (
    select group_id, group_id as ancestor_id, 0 as distance from groups
    union all
    select ancestry.group_id, groups.parent_id, ancestry.distance + 1
    from ancestry
    inner join groups on ancestry.ancestor_id = groups.group_id
    where groups.parent_id is not null and ancestry.distance < 10
),

final as (
    select
        ancestry.group_id,
        ancestry.ancestor_id,
        ancestry.distance,
        ancestor.level as ancestor_level
    from ancestry
    inner join groups as ancestor on ancestry.ancestor_id = ancestor.group_id
)

select * from final
