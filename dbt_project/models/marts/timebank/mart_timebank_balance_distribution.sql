-- How many members of each group (and every group below it) have a time balance (hours provided −
-- hours received there, over all data) in each bucket. Individual balances stay private.
with sides as (
    select * from {{ ref('fct_timebank_member_sides') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

member_balances as (
    select
        groups.ancestor_id as group_id,
        sides.member_id,
        sum(case when sides.role = 'provided' then sides.seconds else -sides.seconds end) as balance_seconds
    from sides
    inner join groups on sides.group_id = groups.group_id
    group by all
),

final as (
    select
        group_id,
        {{ timebank_balance_bucket('balance_seconds') }} as balance_bucket,
        count(*) as members
    from member_balances
    group by all
)

select * from final
