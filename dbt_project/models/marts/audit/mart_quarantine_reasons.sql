-- Why records were refused, counted per source, entity and rule (never the refused values: they may
-- be personal).
with quarantine as (
    select * from {{ source('pipeline', 'quarantine') }}
),

final as (
    select
        source,
        entity,
        rule,
        count(*) as records
    from quarantine
    group by all
)

select * from final
