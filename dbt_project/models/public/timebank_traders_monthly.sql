-- One row per group, month and kind of count (active or new traders), so each count is suppressed
-- on its own row.
with traders as (
    select * from {{ ref('mart_timebank_traders_monthly') }}
),

counts as (
    select group_id, month, 'active' as trader_status, active_traders as traders from traders
    union all
    select group_id, month, 'new' as trader_status, new_traders as traders from traders
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(month as date) as month,
        cast(trader_status as varchar) as trader_status,
        cast({{ suppressed_count('traders') }} as bigint) as traders,
        {{ is_suppressed('traders') }} as is_suppressed
    from counts
)

{{ select_with_group_names('final') }}
