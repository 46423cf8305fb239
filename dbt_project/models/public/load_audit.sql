-- Per source and entity: every record read was either accepted or quarantined.
with load_log as (
    select * from {{ source('pipeline', 'load_log') }}
),

final as (
    select
        cast(source as {{ dbt.type_string() }}) as source,
        cast(entity as {{ dbt.type_string() }}) as entity,
        cast(count(distinct landing_sha256) as bigint) as files,
        cast(sum(rows_read) as bigint) as rows_read,
        cast(sum(rows_accepted) as bigint) as rows_accepted,
        cast(sum(rows_quarantined) as bigint) as rows_quarantined
    from load_log
    group by all
)

select * from final
