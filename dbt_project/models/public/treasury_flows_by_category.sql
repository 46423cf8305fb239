with flows as (
    select * from {{ ref('mart_treasury_flows_by_category') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(month as date) as month,
        cast(currency as varchar) as currency,
        cast(direction as varchar) as direction,
        cast(category as varchar) as category,
        cast(counterparty_type as varchar) as counterparty_type,
        cast(amount_minor as bigint) as amount_minor
    from flows
)

{{ select_with_group_names('final') }}
