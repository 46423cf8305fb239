-- Support points allocated per group and month (active allocations). Where fewer members than the
-- threshold allocated, every figure of the row is withheld: a small number of allocations or points
-- would bound, or give away, the number of people. One sibling more is withheld where a parent's
-- published figures would otherwise give a withheld row away by subtraction.
with support as (
    select
        *,
        allocators as people
    from {{ ref('mart_support_points_monthly') }}
),

suppressed as (
    {{ suppress_people_cells('support', ['month']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(case when not is_suppressed then allocations end as bigint) as allocations,
        cast(case when not is_suppressed then points_allocated end as bigint) as points_allocated,
        cast(case when not is_suppressed then allocators end as bigint) as allocators,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
