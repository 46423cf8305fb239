-- Retention by monthly cohort: of the members whose first activity in a group (or below it) fell in a
-- month, how many were active again 0, 1, 2 … months later (0 = the cohort's size: new members).
with member_months as (
    select * from {{ ref('fct_member_months') }}
),

final as (
    select
        group_id,
        first_month as cohort_month,
        cast({{ dbt.datediff('first_month', 'month', 'month') }} as integer) as months_since,
        count(*) as members
    from member_months
    group by all
)

select * from final
