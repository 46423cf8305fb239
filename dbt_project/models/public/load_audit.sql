-- Per source and entity: every record read was either accepted or quarantined (mart_load_audit).
with load_audit as (
    select * from {{ ref('mart_load_audit') }}
),

final as (
    select
        cast(source as string) as source,
        cast(entity as string) as entity,
        cast(files as bigint) as files,
        cast(rows_read as bigint) as rows_read,
        cast(rows_accepted as bigint) as rows_accepted,
        cast(rows_quarantined as bigint) as rows_quarantined
    from load_audit
)

select * from final
