-- Why records were refused, counted by rule (never the refused values: they may be personal).
with quarantine as (
    select * from {{ source('pipeline', 'quarantine') }}
),

final as (
    select
        cast(source as {{ dbt.type_string() }}) as source,
        cast(entity as {{ dbt.type_string() }}) as entity,
        cast(rule as {{ dbt.type_string() }}) as rule,
        cast(count(*) as bigint) as records
    from quarantine
    group by all
)

select * from final
