with budget_lines as (
    select * from {{ ref('mart_treasury_budget_vs_actual') }}
),

final as (
    select
        cast(budget_id as string) as budget_id,
        cast(group_id as string) as group_id,
        cast(scope as string) as scope,
        cast(fund_type as string) as fund_type,
        cast(currency as string) as currency,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(allocated_minor as bigint) as allocated_minor,
        cast(reported_spent_minor as bigint) as reported_spent_minor,
        cast(remaining_minor as bigint) as remaining_minor,
        cast(reported_spent_share as decimal(18, 4)) as reported_spent_share,
        cast(group_allocated_minor as bigint) as group_allocated_minor,
        cast(treasury_spent_minor as bigint) as treasury_spent_minor,
        cast(treasury_spent_share as decimal(18, 4)) as treasury_spent_share
    from budget_lines
)

{{ select_with_group_names('final') }}
