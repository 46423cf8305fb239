-- Members per group, window and balance band; small counts withheld, plus one sibling where a parent's
-- count would give a withheld one away by subtraction.
with bands as (
    select
        *,
        members as people
    from {{ ref('mart_timebank_fair_exchange') }}
),

suppressed as (
    {{ suppress_people_cells('bands', ['window_start', 'window_end', 'band']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(band as string) as band,
        cast(case when not is_suppressed then people end as bigint) as members,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
