-- One row per member, group (or any group below it) and month in which the member was active, with the
-- month of their first activity there: the shape every cohort, new/returning and inequality figure uses.
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

-- the months kept from the last build all come before the rebuilt ones (none on a whole build)
earlier_first_months as (
    {% if is_incremental() -%}
    select group_id, actor_id, min(first_month) as first_month
    from {{ kept_rows('int_activity_events', 'ts', ['int_groups']) }}
    group by all
    {%- else -%}
    select group_id, actor_id, month as first_month
    from member_months
    where false
    {%- endif %}
),

final as (
    select
        member_months.group_id,
        member_months.actor_id,
        member_months.month,
        member_months.contributions,
        least(
            min(member_months.month) over (partition by member_months.group_id, member_months.actor_id),
            earlier_first_months.first_month
        ) as first_month,
        fingerprints.inputs_fingerprint
    from member_months
    inner join fingerprints on member_months.month = fingerprints.month
    left join earlier_first_months
        on member_months.group_id = earlier_first_months.group_id
        and member_months.actor_id = earlier_first_months.actor_id
)

select * from final
