-- Vote turnout per group and month. Voters and active members are withheld together when either is
-- small, or when participation_monthly withholds the month's active members (the rate would give a
-- withheld count away), plus one sibling where a parent's voters would give a withheld count away by
-- subtraction. The rate is mart_vote_turnout's.
with turnout as (
    select
        *,
        voters as people
    from {{ ref('mart_vote_turnout') }}
),

voters_suppressed as (
    {{ suppress_people_cells('turnout', ['month']) }}
),

monthly as (
    select * from {{ ref('participation_monthly') }}
),

flagged as (
    select
        voters_suppressed.*,
        voters_suppressed.is_suppressed or monthly.is_suppressed as is_withheld
    from voters_suppressed
    inner join monthly on voters_suppressed.group_id = monthly.group_id and voters_suppressed.month = monthly.month
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(month as date) as month,
        cast(case when not is_withheld then voters end as bigint) as voters,
        cast(case when not is_withheld then active_members end as bigint) as active_members,
        cast(case when not is_withheld then turnout_pct end as decimal(5, 1)) as turnout_pct,
        is_withheld as is_suppressed
    from flagged
)

{{ select_with_group_names('final') }}
