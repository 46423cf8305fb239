-- Active members per group and month; small counts withheld, plus one sibling where a parent's
-- published count would otherwise give a withheld count away by subtraction.
with active as (
    select
        group_id,
        month,
        active_members as people
    from {{ ref('mart_active_members_monthly') }}
),

suppressed as (
    {{ suppress_people_cells('active', ['month']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(case when not is_suppressed then people end as bigint) as active_members,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
