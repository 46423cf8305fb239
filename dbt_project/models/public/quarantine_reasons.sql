-- Why records were refused, counted by rule (never the refused values: they may be personal).
with quarantine_reasons as (
    select * from {{ ref('mart_quarantine_reasons') }}
),

final as (
    select
        cast(source as string) as source,
        cast(entity as string) as entity,
        cast(rule as string) as rule,
        cast(records as bigint) as records
    from quarantine_reasons
)

select * from final
