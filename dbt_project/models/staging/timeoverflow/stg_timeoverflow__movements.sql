-- Each movement with the account holder it belongs to: a member (a person) or the organization.
with movements as (
    select * from {{ source('timeoverflow', 'timeoverflow__movements') }}
),

accounts as (
    select * from {{ source('timeoverflow', 'timeoverflow__accounts') }}
),

members as (
    select * from {{ source('timeoverflow', 'timeoverflow__members') }}
),

final as (
    select
        movements.movement_id,
        movements.transfer_id,
        movements.account_id,
        accounts.accountable_type,
        accounts.organization_id,
        cast(members.user_id as string) as user_id,
        movements.amount_seconds,
        movements.created_at
    from movements
    inner join accounts on movements.account_id = accounts.account_id
    left join members on accounts.accountable_type = 'Member' and accounts.accountable_id = members.member_id
    {{ latest_row('movements.movement_id', 'movements._landing_sha256') }}
)

select * from final
