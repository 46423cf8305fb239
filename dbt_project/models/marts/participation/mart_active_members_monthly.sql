-- Distinct members active in each group, or in any group below it, per calendar month (UTC).
-- Incremental: a refresh rebuilds only the months whose events or groups changed (macros/incremental_months).
{{ incremental_by_month('int_activity_events', 'ts', ['int_groups']) }}

with events as (
    {{ input_rows_to_rebuild('int_activity_events', 'ts', ['int_groups']) }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

fingerprints as (
    {{ month_fingerprints('int_activity_events', 'ts', ['int_groups']) }}
),

monthly as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('events.ts') }} as month,
        count(distinct events.actor_id) as active_members,
        count(*) as activities
    from events
    inner join groups on events.context = groups.group_id
    group by all
),

final as (
    select
        monthly.*,
        fingerprints.inputs_fingerprint
    from monthly
    inner join fingerprints on monthly.month = fingerprints.month
)

select * from final
