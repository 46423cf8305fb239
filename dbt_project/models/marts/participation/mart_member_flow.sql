-- Active members per group and month split into new (first activity in the group this month) and
-- returning (active there in an earlier month too). new + returning = active members.
with member_months as (
    select * from {{ ref('fct_member_months') }}
),

kinds as (
    select
        group_id,
        month,
        case when month = first_month then 'new' else 'returning' end as kind
    from member_months
),

final as (
    select
        group_id,
        month,
        kind,
        count(*) as members
    from kinds
    group by all
)

select * from final
