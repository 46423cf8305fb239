with balances as (
    select * from {{ ref('mart_treasury_balances') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(account as varchar) as account,
        cast(currency as varchar) as currency,
        cast(month as date) as month,
        cast(balance_minor as bigint) as balance_minor
    from balances
)

{{ select_with_group_names('final') }}
