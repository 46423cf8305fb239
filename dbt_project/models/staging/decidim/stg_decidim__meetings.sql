-- Public meetings only: unpublished, private and withdrawn meetings never reach public counts.
with source as (
    select * from {{ source('decidim', 'decidim__meetings') }}
),

latest as (
    select * from source
    {{ latest_row('meeting_id', 'created_at desc nulls last, _landing_sha256 desc') }}
),

final as (
    select
        meeting_id,
        component_id,
        start_time,
        end_time,
        attendees_count,
        closed_at,
        created_at
    from latest
    where coalesce(published, true)
        and not coalesce(private_meeting, false)
        and withdrawn_at is null
)

select * from final
