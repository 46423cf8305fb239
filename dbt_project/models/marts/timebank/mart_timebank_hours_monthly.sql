-- Time exchanged per group (and every group below it), month and kind of exchange: between two
-- members, or involving a time bank's own organization account (shown as its own line).
with exchanges as (
    select * from {{ ref('fct_timebank_exchanges') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        exchanges.month,
        case when exchanges.provider_kind = 'member' and exchanges.receiver_kind = 'member'
            then 'member_to_member' else 'organization' end as exchange_kind,
        count(*) as exchanges,
        sum(exchanges.seconds) as seconds_exchanged
    from exchanges
    inner join groups on exchanges.group_id = groups.group_id
    group by all
)

select * from final
