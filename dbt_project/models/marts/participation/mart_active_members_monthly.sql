-- Distinct members active in each group, or in any group below it, per calendar month (UTC), and their
-- activities: the member months of fct_member_months counted (the one place the roll-up is built).
-- Incremental: a refresh rebuilds only the months whose member months changed (macros/incremental_months).
{{ incremental_by_month('fct_member_months', 'month') }}

with member_months as (
    {{ input_rows_to_rebuild('fct_member_months', 'month', []) }}
),

fingerprints as (
    {{ month_fingerprints('fct_member_months', 'month', []) }}
),

monthly as (
    select
        group_id,
        month,
        count(*) as active_members,
        -- every activity event weighs one contribution
        cast(sum(contributions) as bigint) as activities
    from member_months
    group by all
),

final as (
    select
        monthly.group_id,
        monthly.month,
        monthly.active_members,
        monthly.activities,
        fingerprints.inputs_fingerprint
    from monthly
    inner join fingerprints on monthly.month = fingerprints.month
)

select * from final
