-- Support points allocated per group (and every group below it) and month: active allocations only
-- (reclaimed and expired points no longer back anything).
with allocations as (
    select * from {{ ref('stg_togetheros__support_points_allocations') }}
),

members as (
    select * from {{ ref('int_members') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('allocations.created_at') }} as month,
        count(*) as allocations,
        sum(allocations.amount) as points_allocated,
        count(distinct coalesce(members.member_id, allocations.member_id)) as allocators
    from allocations
    inner join groups on allocations.group_id = groups.group_id
    left join members on members.source = 'togetheros' and allocations.member_id = members.source_user_id
    where allocations.status = 'active'
    group by all
)

select * from final
