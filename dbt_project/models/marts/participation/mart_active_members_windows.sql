-- Distinct members active in each group (or any group below it) during the 7 and 30 days ending on
-- each week end (Sunday) and month end, up to the latest day the data covers (not the wall clock).
-- Incremental: a refresh rebuilds only the windows ending in months whose events or groups changed,
-- reading events from 29 days before the first of them (macros/incremental_months).
{{ incremental_by_month('int_activity_events', 'ts', ['int_groups'], month_column='as_of') }}

{% if is_incremental() -%}
{% set rebuilt_from -%}
    {{ first_changed_month('int_activity_events', 'ts', ['int_groups'], 'as_of') }}
{%- endset %}
{%- endif %}

with all_events as (
    select * from {{ ref('int_activity_events') }}
),

events as (
    select * from all_events
    {% if is_incremental() -%}
    where ts >= {{ rebuilt_from }} - interval 29 day
    {%- endif %}
),

fingerprints as (
    {{ month_fingerprints('int_activity_events', 'ts', ['int_groups']) }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

data_span as (
    select
        cast(min(ts) as date) as first_day,
        cast(max(ts) as date) as last_day
    from all_events
),

calendar as (
    select {{ date_series('first_day', 'last_day', 'interval 1 day') }} as as_of
    from data_span
),

as_of_dates as (
    select as_of
    from calendar
    where ({{ iso_day_of_week('as_of') }} = 7 or as_of = last_day(as_of))
    {%- if is_incremental() %}
        and as_of >= {{ rebuilt_from }}
    {%- endif %}
),

window_lengths as (
    select 7 as window_days
    union all
    select 30 as window_days
),

-- each member's active days in a group or below it, with the day they were active before that
member_days as (
    select
        group_id,
        actor_id,
        active_on,
        lag(active_on) over (partition by group_id, actor_id order by active_on) as previous_active_on
    from (
        select distinct groups.ancestor_id as group_id, event_days.actor_id, event_days.active_on
        from (select distinct context, actor_id, cast(ts as date) as active_on from events) as event_days
        inner join groups on event_days.context = groups.group_id
    ) as distinct_days
),

-- A member active on day d is in every window ending d … d + w − 1. Each active day covers only the
-- days its member's previous active day does not already cover, so the covered spans of one member never
-- overlap: the members active in a window ending on a day = spans open on that day. Counted with a
-- running sum of span starts and ends instead of a distinct count per window (a range join).
spans as (
    select
        member_days.group_id,
        window_lengths.window_days,
        greatest(member_days.active_on, member_days.previous_active_on + window_lengths.window_days)
            as first_covered,
        member_days.active_on + (window_lengths.window_days - 1) as last_covered
    from member_days
    cross join window_lengths
),

span_edges as (
    select
        group_id,
        window_days,
        first_covered as day,
        1 as change
    from spans
    where first_covered <= last_covered

    union all
    select
        group_id,
        window_days,
        last_covered + 1 as day,
        -1 as change
    from spans
    where first_covered <= last_covered
),

daily_changes as (
    select group_id, window_days, day, sum(change) as change
    from span_edges
    group by all
),

open_spans as (
    select
        group_id,
        window_days,
        day,
        sum(change) over (partition by group_id, window_days order by day rows unbounded preceding) as active_members
    from daily_changes
),

group_windows as (
    select distinct group_id, window_days from open_spans
),

wanted as (
    select group_windows.group_id, group_windows.window_days, as_of_dates.as_of
    from group_windows
    cross join as_of_dates
),

-- the open spans' count on each wanted day: the latest change at or before it
windows as (
    select group_id, as_of, window_days, active_members
    from ({{ asof_value('wanted', 'open_spans', ['group_id', 'window_days'], 'as_of', 'day', 'active_members') }}) as found
    where active_members > 0
),

final as (
    select
        windows.*,
        -- a month without events still has windows (a 30-day window reaches back); without a fingerprint
        -- to match, it is rebuilt on every run, with the months after it
        coalesce(fingerprints.inputs_fingerprint, 0) as inputs_fingerprint
    from windows
    left join fingerprints on {{ month_of('windows.as_of') }} = fingerprints.month
)

select * from final
