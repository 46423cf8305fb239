-- Why records were refused, counted by rule (never the refused values: they may be personal).
with quarantine as (
    select * from {{ source('pipeline', 'quarantine') }}
),

final as (
    select
        cast(source as varchar) as source,
        cast(entity as varchar) as entity,
        cast(rule as varchar) as rule,
        cast(count(*) as bigint) as records
    from quarantine
    group by all
)

select * from final
