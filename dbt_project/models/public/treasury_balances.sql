with balances as (
    select * from {{ ref('mart_treasury_balances') }}
),

final as (
    select
        cast(group_id as {{ dbt.type_string() }}) as group_id,
        cast(account as {{ dbt.type_string() }}) as account,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(month as date) as month,
        cast(balance_minor as bigint) as balance_minor
    from balances
)

select * from final
