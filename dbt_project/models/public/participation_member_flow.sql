-- New and returning members per group and month. new + returning = active members, so both are
-- withheld when either is small or when participation_monthly withholds the month's total.
with flow as (
    select * from {{ ref('mart_member_flow') }}
),

monthly as (
    select * from {{ ref('participation_monthly') }}
),

flagged as (
    select
        flow.*,
        bool_or({{ is_suppressed('flow.members') }}) over (partition by flow.group_id, flow.month)
            or monthly.is_suppressed as is_withheld
    from flow
    inner join monthly on flow.group_id = monthly.group_id and flow.month = monthly.month
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(kind as string) as kind,
        cast(case when not is_withheld then members end as bigint) as members,
        is_withheld as is_suppressed
    from flagged
)

{{ select_with_group_names('final') }}
