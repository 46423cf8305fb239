-- Distinct members who gave or received time per group (and every group below it) and month, and
-- how many of them traded there for the first time. Counted per group, never summed from below.
with sides as (
    select * from {{ ref('fct_timebank_member_sides') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

member_months as (
    select distinct groups.ancestor_id as group_id, sides.month, sides.member_id
    from sides
    inner join groups on sides.group_id = groups.group_id
),

first_months as (
    select group_id, member_id, min(month) as first_month
    from member_months
    group by all
),

final as (
    select
        member_months.group_id,
        member_months.month,
        count(*) as active_traders,
        count(*) filter (where member_months.month = first_months.first_month) as new_traders
    from member_months
    inner join first_months
        on member_months.group_id = first_months.group_id and member_months.member_id = first_months.member_id
    group by all
)

select * from final
