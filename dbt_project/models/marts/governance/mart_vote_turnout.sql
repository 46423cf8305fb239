-- Vote turnout per group (and every group below it) and month: distinct members who voted on a
-- proposal of the group that month, against the group's active members that month, and the rate.
with events as (
    select * from {{ ref('int_activity_events') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

active as (
    select * from {{ ref('mart_active_members_monthly') }}
),

voters as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('events.ts') }} as month,
        count(distinct events.actor_id) as voters
    from events
    inner join groups on events.context = groups.group_id
    where events.verb = 'proposal.voted'
    group by all
),

final as (
    select
        voters.group_id,
        voters.month,
        voters.voters,
        active.active_members,
        {{ percent_tenths('voters.voters', 'active.active_members') }} as turnout_pct
    from voters
    inner join active on voters.group_id = active.group_id and voters.month = active.month
)

select * from final
