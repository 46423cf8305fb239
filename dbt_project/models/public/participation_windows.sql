-- Active members over the 7 and 30 days ending each week end and month end, per group; withheld like
-- participation_monthly (small counts, and the sibling that would give one away).
with active as (
    select
        group_id,
        as_of,
        window_days,
        active_members as people
    from {{ ref('mart_active_members_windows') }}
),

suppressed as (
    {{ suppress_people_cells('active', ['as_of', 'window_days']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(as_of as date) as as_of,
        cast(window_days as integer) as window_days,
        cast(case when not is_suppressed then people end as bigint) as active_members,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
