-- Retention by monthly cohort per group: members first active in a month and how many of them were
-- active again N months later. Small counts withheld.
with cohorts as (
    select * from {{ ref('mart_member_cohorts') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(cohort_month as date) as cohort_month,
        cast(months_since as integer) as months_since,
        cast({{ suppressed_count('members') }} as bigint) as members,
        {{ is_suppressed('members') }} as is_suppressed
    from cohorts
)

{{ select_with_group_names('final') }}
