with flows as (
    select * from {{ ref('mart_treasury_flows_by_category') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(currency as string) as currency,
        cast(direction as string) as direction,
        cast(category as string) as category,
        cast(counterparty_type as string) as counterparty_type,
        cast(amount_minor as bigint) as amount_minor
    from flows
)

{{ select_with_group_names('final') }}
