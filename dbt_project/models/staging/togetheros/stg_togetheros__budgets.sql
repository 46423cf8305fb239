-- Budget lines the platform keeps (global funds and city funds): what was allocated to a group
-- for a period, and what the platform says was spent. Integer minor units.
with source as (
    select * from {{ source('togetheros', 'togetheros__budgets') }}
),

final as (
    select
        budget_id,
        scope,
        group_id,
        fund_type,
        allocated_minor,
        coalesce(spent_minor, 0) as reported_spent_minor,
        upper(currency) as currency,
        period_start,
        period_end
    from source
    where group_id is not null and period_start is not null and period_end is not null
    {{ latest_row('budget_id', '_landing_sha256 desc') }}
)

select * from final
