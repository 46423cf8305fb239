-- How evenly contributions (activity events) spread over a group's active members each month: the Gini
-- coefficient (0 = everyone contributes equally, near 1 = a few do nearly everything) and the
-- contributor absence factor (fewest members who together made at least half of the contributions).
-- Incremental: a refresh rebuilds only the months whose member months changed (macros/incremental_months).
{{ incremental_by_month('fct_member_months', 'month') }}

with member_months as (
    {{ input_rows_to_rebuild('fct_member_months', 'month', []) }}
),

fingerprints as (
    {{ month_fingerprints('fct_member_months', 'month', []) }}
),

-- Members who made the same number of contributions are interchangeable in both measures, so they are
-- ranked a level at a time (a month has a handful of levels and thousands of members).
levels as (
    select group_id, month, contributions as level, count(*) as members
    from member_months
    group by all
),

ranked_levels as (
    select
        group_id,
        month,
        level,
        members,
        coalesce(sum(members) over (
            partition by group_id, month order by level rows between unbounded preceding and 1 preceding
        ), 0) as members_below,
        coalesce(sum(members) over (
            partition by group_id, month order by level desc rows between unbounded preceding and 1 preceding
        ), 0) as members_above,
        coalesce(sum(members * level) over (
            partition by group_id, month order by level desc rows between unbounded preceding and 1 preceding
        ), 0) as contributions_above,
        sum(members * level) over (partition by group_id, month) as group_contributions
    from levels
),

totals as (
    select
        group_id,
        month,
        cast(sum(members) as bigint) as active_members,
        sum(members * level) as contributions,
        -- the level's members hold ascending ranks members_below + 1 … members_below + members
        sum(level * (members * members_below + {{ int_div('members * (members + 1)', '2') }})) as rank_weighted_contributions,
        -- the level where the top members first reach half: everyone above it, then as few of it as needed
        cast(min(members_above + {{ int_div('group_contributions - 2 * contributions_above + 2 * level - 1', '2 * level') }})
            filter (
                where 2 * contributions_above < group_contributions
                and 2 * (contributions_above + members * level) >= group_contributions
            ) as bigint) as absence_factor
    from ranked_levels
    group by all
),

final as (
    select
        totals.group_id,
        totals.month,
        totals.active_members,
        totals.contributions,
        -- Gini over members sorted by contributions, x₁ ≤ … ≤ xₙ: (2·Σ i·xᵢ − (n+1)·Σ xᵢ) ÷ (n·Σ xᵢ)
        cast(
            {{ rounded_fixed(
                '2 * rank_weighted_contributions - (active_members + 1) * contributions',
                'active_members * contributions',
                3
            ) }} as decimal(4, 3)
        ) as gini,
        totals.absence_factor,
        fingerprints.inputs_fingerprint
    from totals
    inner join fingerprints on totals.month = fingerprints.month
)

select * from final
