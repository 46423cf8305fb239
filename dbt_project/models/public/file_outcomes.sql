-- Every landed file's outcome: loaded (records accepted and quarantined), empty, or refused with
-- the rule and what to do about it. Messages are the pipeline's own words, never the file's content.
with outcomes as (
    select * from {{ source('pipeline', 'file_outcomes') }}
),

final as (
    select
        cast(source as string) as source,
        cast(file_name as string) as file_name,
        cast(landing_sha256 as string) as landing_sha256,
        cast(outcome as string) as outcome,
        cast(rule as string) as rule,
        cast(message as string) as message,
        cast(rows_accepted as bigint) as rows_accepted,
        cast(rows_quarantined as bigint) as rows_quarantined
    from outcomes
)

select * from final
