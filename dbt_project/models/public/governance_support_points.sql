-- Support points allocated per group and month (active allocations). Where fewer members than the
-- threshold allocated, every figure of the row is withheld: a small number of allocations or points
-- would bound, or give away, the number of people.
with support as (
    select * from {{ ref('mart_support_points_monthly') }}
),

flagged as (
    select
        *,
        {{ is_suppressed('allocators') }} as is_withheld
    from support
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(month as date) as month,
        cast(case when not is_withheld then allocations end as bigint) as allocations,
        cast(case when not is_withheld then points_allocated end as bigint) as points_allocated,
        cast(case when not is_withheld then allocators end as bigint) as allocators,
        is_withheld as is_suppressed
    from flagged
)

{{ select_with_group_names('final') }}
