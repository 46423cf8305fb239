-- One row per member, group (or any group below it) and month in which the member was active, with the
-- month of their first activity there: the shape every cohort, new/returning and inequality figure uses.
with events as (
    select * from {{ ref('int_activity_events') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

member_months as (
    select
        groups.ancestor_id as group_id,
        events.actor_id,
        {{ month_of('events.ts') }} as month,
        sum(events.weight) as contributions
    from events
    inner join groups on events.context = groups.group_id
    group by all
),

final as (
    select
        group_id,
        actor_id,
        month,
        contributions,
        min(month) over (partition by group_id, actor_id) as first_month
    from member_months
)

select * from final
