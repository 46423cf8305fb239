-- How evenly contributions (activity events) spread over a group's active members each month: the Gini
-- coefficient (0 = everyone contributes equally, near 1 = a few do nearly everything) and the
-- contributor absence factor (fewest members who together made at least half of the contributions).
-- Incremental: a refresh rebuilds only the months whose member months changed (macros/incremental_months).
{{ incremental_by_month('fct_member_months', 'month') }}

with member_months as (
    select * from {{ ref('fct_member_months') }}
    {% if is_incremental() -%}
    where month >= {{ first_changed_month('fct_member_months', 'month', [], 'month') }}
    {%- endif %}
),

fingerprints as (
    {{ month_fingerprints('fct_member_months', 'month', []) }}
),

ranked as (
    select
        group_id,
        month,
        contributions,
        row_number() over (partition by group_id, month order by contributions, actor_id) as rank_ascending,
        row_number() over (partition by group_id, month order by contributions desc, actor_id) as rank_descending,
        sum(contributions) over (
            partition by group_id, month order by contributions desc, actor_id rows unbounded preceding
        ) as contributions_of_top,
        sum(contributions) over (partition by group_id, month) as group_contributions
    from member_months
),

totals as (
    select
        group_id,
        month,
        count(*) as active_members,
        sum(contributions) as contributions,
        sum(rank_ascending * contributions) as rank_weighted_contributions,
        min(rank_descending) filter (where 2 * contributions_of_top >= group_contributions) as absence_factor
    from ranked
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
