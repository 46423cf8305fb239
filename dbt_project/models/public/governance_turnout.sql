-- Vote turnout per group and month. Voters and active members are withheld together when either is
-- small, or when participation_monthly withholds the month's active members (the rate would give a
-- withheld count away). The rate is mart_vote_turnout's.
with turnout as (
    select * from {{ ref('mart_vote_turnout') }}
),

monthly as (
    select * from {{ ref('participation_monthly') }}
),

flagged as (
    select
        turnout.*,
        {{ is_suppressed('turnout.voters') }} or monthly.is_suppressed as is_withheld
    from turnout
    inner join monthly on turnout.group_id = monthly.group_id and turnout.month = monthly.month
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
