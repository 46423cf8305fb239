-- Facts about the data a release is built from, one row: what the release step reads besides the
-- published datasets, so that it reads nothing but the public schema. Not a dataset itself.
with events as (
    select * from {{ ref('int_activity_events') }}
),

final as (
    select max(ts) as data_as_of
    from events
)

select * from final
