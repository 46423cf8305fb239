-- Distinct members active in each group (or any group below it) during the 7 and 30 days ending on
-- each week end (Sunday) and month end, up to the latest day the data covers (not the wall clock).
-- Incremental: a refresh rebuilds only the windows ending in months whose events or groups changed,
-- reading events from 29 days before the first of them (macros/incremental_months).
{{ incremental_by_month('int_activity_events', 'ts', ['int_groups'], month_column='as_of') }}

{% set rebuilt_from -%}
    {{ first_changed_month('int_activity_events', 'ts', ['int_groups'], 'as_of') }}
{%- endset %}

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
    select cast(day as date) as as_of
    from data_span
    cross join generate_series(cast(first_day as timestamp), cast(last_day as timestamp), interval 1 day) as days (day)
),

as_of_dates as (
    select as_of
    from calendar
    where (dayofweek(as_of) = 0 or as_of = last_day(as_of))
    {%- if is_incremental() %}
        and as_of >= {{ rebuilt_from }}
    {%- endif %}
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

windows as (
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
),

final as (
    select
        windows.*,
        fingerprints.inputs_fingerprint
    from windows
    inner join fingerprints on {{ month_of('windows.as_of') }} = fingerprints.month
)

select * from final
