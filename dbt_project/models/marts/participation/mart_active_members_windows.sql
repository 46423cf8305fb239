-- Distinct members active in each group (or any group below it) during the 7 and 30 days ending on
-- each week end (Sunday) and month end, up to the latest day the data covers (not the wall clock).
with events as (
    select * from {{ ref('int_activity_events') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

data_span as (
    select
        cast(min(ts) as date) as first_day,
        cast(max(ts) as date) as last_day
    from events
),

calendar as (
    select cast(day as date) as as_of
    from data_span
    cross join generate_series(cast(first_day as timestamp), cast(last_day as timestamp), interval 1 day) as days (day)
),

as_of_dates as (
    select as_of
    from calendar
    where dayofweek(as_of) = 0 or as_of = last_day(as_of)
),

window_lengths as (
    select * from (values (7), (30)) as lengths (window_days)
),

member_days as (
    select distinct
        groups.ancestor_id as group_id,
        events.actor_id,
        cast(events.ts as date) as active_on
    from events
    inner join groups on events.context = groups.group_id
),

final as (
    select
        member_days.group_id,
        as_of_dates.as_of,
        window_lengths.window_days,
        count(distinct member_days.actor_id) as active_members
    from as_of_dates
    cross join window_lengths
    inner join member_days
        on member_days.active_on between as_of_dates.as_of - (window_lengths.window_days - 1) and as_of_dates.as_of
    group by all
)

select * from final
