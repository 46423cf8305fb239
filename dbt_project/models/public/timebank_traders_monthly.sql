-- One row per group, month and kind of count (active or new traders), so each count is suppressed
-- on its own row, plus one sibling where a parent's count would give a withheld one away.
with traders as (
    select * from {{ ref('mart_timebank_traders_monthly') }}
),

counts as (
    select
        group_id,
        month,
        'active' as trader_status,
        active_traders as people
    from traders
    union all
    select
        group_id,
        month,
        'new' as trader_status,
        new_traders as people
    from traders
),

suppressed as (
    {{ suppress_people_cells('counts', ['month', 'trader_status']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(trader_status as string) as trader_status,
        cast(case when not is_suppressed then people end as bigint) as traders,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
