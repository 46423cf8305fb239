-- Per source and entity: the files loaded and the records read, accepted and quarantined, summed over
-- the load log (every record read was either accepted or quarantined).
with load_log as (
    select * from {{ source('pipeline', 'load_log') }}
),

final as (
    select
        source,
        entity,
        count(distinct landing_sha256) as files,
        sum(rows_read) as rows_read,
        sum(rows_accepted) as rows_accepted,
        sum(rows_quarantined) as rows_quarantined
    from load_log
    group by all
)

select * from final
