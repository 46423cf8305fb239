-- Every landed file's outcome: loaded (records accepted and quarantined), empty, or refused with
-- the rule and what to do about it. Messages are the pipeline's own words, never the file's content.
with outcomes as (
    select * from {{ source('pipeline', 'file_outcomes') }}
),

final as (
    select
        cast(source as varchar) as source,
        cast(file_name as varchar) as file_name,
        cast(landing_sha256 as varchar) as landing_sha256,
        cast(outcome as varchar) as outcome,
        cast(rule as varchar) as rule,
        cast(message as varchar) as message,
        cast(rows_accepted as bigint) as rows_accepted,
        cast(rows_quarantined as bigint) as rows_quarantined
    from outcomes
)

select * from final
