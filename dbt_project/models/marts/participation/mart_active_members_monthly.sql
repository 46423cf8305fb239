-- Distinct members active in each group, or in any group below it, per calendar month (UTC).
with events as (
    select * from {{ ref('int_activity_events') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('events.ts') }} as month,
        count(distinct events.actor_id) as active_members,
        count(*) as activities
    from events
    inner join groups on events.context = groups.group_id
    group by all
)

select * from final
