-- How many members of each group (and every group below it) fall in each fair-exchange band over
-- the last six months of data: hours provided ÷ hours received, per member. Only the distribution
-- leaves this model; a member's own index is private.
with sides as (
    select * from {{ ref('fct_timebank_member_sides') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

time_window as (
    select
        cast(max(month) - interval 5 month as date) as window_start,
        max(month) as window_end
    from sides
),

member_totals as (
    select
        groups.ancestor_id as group_id,
        sides.member_id,
        coalesce(sum(sides.seconds) filter (where sides.role = 'provided'), 0) as provided_seconds,
        coalesce(sum(sides.seconds) filter (where sides.role = 'received'), 0) as received_seconds
    from sides
    inner join groups on sides.group_id = groups.group_id
    cross join time_window
    where sides.month between time_window.window_start and time_window.window_end
    group by all
),

final as (
    select
        member_totals.group_id,
        time_window.window_start,
        time_window.window_end,
        {{ timebank_fair_exchange_band('provided_seconds', 'received_seconds') }} as band,
        count(*) as members
    from member_totals
    cross join time_window
    group by all
)

select * from final
