with flows as (
    select * from {{ ref('mart_treasury_flows_by_category') }}
),

final as (
    select
        cast(group_id as {{ dbt.type_string() }}) as group_id,
        cast(month as date) as month,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(counterparty_type as {{ dbt.type_string() }}) as counterparty_type,
        cast(amount_minor as bigint) as amount_minor
    from flows
)

select * from final
