-- Members per group and balance bucket; small counts withheld, plus one sibling where a parent's count
-- would give a withheld one away by subtraction.
with buckets as (
    select
        *,
        members as people
    from {{ ref('mart_timebank_balance_distribution') }}
),

suppressed as (
    {{ suppress_people_cells('buckets', ['balance_bucket']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(balance_bucket as string) as balance_bucket,
        cast(case when not is_suppressed then people end as bigint) as members,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
