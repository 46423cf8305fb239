-- Vote turnout per group and month. Voters and active members are withheld together when either is
-- small, or when participation_monthly withholds the month's active members (the rate would give a
-- withheld count away), plus one sibling where a parent's voters would give a withheld count away by
-- subtraction. The rate is mart_vote_turnout's.
with monthly as (
    select * from {{ ref('participation_monthly') }}
),

turnout as (
    select
        votes.*,
        votes.voters as people,
        monthly.is_suppressed as is_active_members_withheld
    from {{ ref('mart_vote_turnout') }} as votes
    inner join monthly on votes.group_id = monthly.group_id and votes.month = monthly.month
),

suppressed as (
    {{ suppress_people_cells('turnout', ['month'], 'is_active_members_withheld') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(case when not is_suppressed then voters end as bigint) as voters,
        cast(case when not is_suppressed then active_members end as bigint) as active_members,
        cast(case when not is_suppressed then turnout_pct end as decimal(5, 1)) as turnout_pct,
        is_suppressed
    from suppressed
)

{{ select_with_group_names('final') }}
