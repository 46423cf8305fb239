-- Milestones of initiatives: target date and, once done, when it was completed.
with source as (
    select * from {{ source('togetheros', 'togetheros__milestones') }}
),

final as (
    select
        milestone_id,
        initiative_id,
        target_date,
        coalesce(completed, false) or completed_at is not null as is_completed,
        completed_at
    from source
    {{ latest_row('milestone_id', 'completed_at desc nulls last, _landing_sha256 desc') }}
)

select * from final
