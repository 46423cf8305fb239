with bands as (
    select * from {{ ref('mart_timebank_fair_exchange') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(band as varchar) as band,
        cast({{ suppressed_count('members') }} as bigint) as members,
        {{ is_suppressed('members') }} as is_suppressed
    from bands
)

{{ select_with_group_names('final') }}
