-- Retention by monthly cohort per group: members first active in a month and how many of them were
-- active again N months later. Small counts withheld, plus one sibling where a parent's count would
-- give a withheld one away by subtraction.
with cohorts as (
    select
        *,
        members as people
    from {{ ref('mart_member_cohorts') }}
),

suppressed as (
    {{ suppress_people_cells('cohorts', ['cohort_month', 'months_since']) }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(cohort_month as date) as cohort_month,
        cast(months_since as integer) as months_since,
        cast(case when not is_suppressed then people end as bigint) as members,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
