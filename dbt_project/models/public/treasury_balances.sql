with balances as (
    select * from {{ ref('mart_treasury_balances') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(account as string) as account,
        cast(currency as string) as currency,
        cast(month as date) as month,
        cast(balance_minor as bigint) as balance_minor
    from balances
)

{{ select_with_group_names('final') }}
