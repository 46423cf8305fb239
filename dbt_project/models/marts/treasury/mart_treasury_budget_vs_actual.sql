-- Each budget line the platform keeps beside what it reports as spent, and beside what the group's
-- treasuries (and those of every group below it) actually paid out for spending in the same
-- currency and period. The treasury figure cannot tell fund types apart: it is per group and period.
with budgets as (
    select * from {{ ref('stg_togetheros__budgets') }}
),

legs as (
    select * from {{ ref('fct_treasury_legs') }}
where flow_class = 'spending'
),

groups as (
    select * from {{ ref('int_groups') }}
),

budget_periods as (
    select group_id, currency, period_start, period_end, sum(allocated_minor) as group_allocated_minor
    from budgets
    group by all
),

period_spending as (
    select
        budget_periods.group_id,
        budget_periods.currency,
        budget_periods.period_start,
        budget_periods.period_end,
        budget_periods.group_allocated_minor,
        coalesce(-sum(legs.amount_minor), 0) as treasury_spent_minor
    from budget_periods
    left join groups on budget_periods.group_id = groups.ancestor_id
    left join legs
        on groups.group_id = legs.group_id
        and budget_periods.currency = legs.currency
        and legs.booked_on between budget_periods.period_start and budget_periods.period_end
    group by all
),

final as (
    select
        budgets.budget_id,
        budgets.group_id,
        budgets.scope,
        budgets.fund_type,
        budgets.currency,
        budgets.period_start,
        budgets.period_end,
        budgets.allocated_minor,
        budgets.reported_spent_minor,
        budgets.allocated_minor - budgets.reported_spent_minor as remaining_minor,
        {{ treasury_ratio('budgets.reported_spent_minor', 'budgets.allocated_minor', 4) }} as reported_spent_share,
        period_spending.group_allocated_minor,
        period_spending.treasury_spent_minor,
        {{ treasury_ratio('period_spending.treasury_spent_minor', 'period_spending.group_allocated_minor', 4) }}
            as treasury_spent_share
    from budgets
    inner join period_spending
        on budgets.group_id = period_spending.group_id
        and budgets.currency = period_spending.currency
        and budgets.period_start = period_spending.period_start
        and budgets.period_end = period_spending.period_end
)

select * from final
