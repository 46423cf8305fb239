-- How evenly contributions spread over a group's active members each month (Gini, contributor absence
-- factor), published only where at least var('min_count') members were active. The member count is
-- withheld exactly where participation_monthly withholds it, so neither table gives the other away.
with inequality as (
    select * from {{ ref('mart_contribution_inequality') }}
),

monthly as (
    select * from {{ ref('participation_monthly') }}
),

final as (
    select
        cast(inequality.group_id as string) as group_id,
        cast(inequality.month as date) as month,
        cast(monthly.active_members as bigint) as active_members,
        cast(inequality.contributions as bigint) as contributions,
        cast(
            case when not {{ is_suppressed('inequality.active_members') }} then inequality.gini end
            as decimal(4, 3)
        ) as gini,
        cast(
            case when not {{ is_suppressed('inequality.active_members') }} then inequality.absence_factor end
            as bigint
        ) as absence_factor,
        monthly.is_suppressed
    from inequality
    inner join monthly on inequality.group_id = monthly.group_id and inequality.month = monthly.month
)

{{ select_with_group_names('final') }}
