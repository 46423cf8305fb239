-- Each exchange seen from each member taking part: the provider's side and the receiver's side.
-- Organization and system accounts of a time bank are left out: they are not members.
with exchanges as (
    select * from {{ ref('fct_timebank_exchanges') }}
),

final as (
    select exchange_id, group_id, exchanged_at, month, provider_id as member_id, 'provided' as role, seconds
    from exchanges
    where provider_kind = 'member'
    union all
    select exchange_id, group_id, exchanged_at, month, receiver_id as member_id, 'received' as role, seconds
    from exchanges
    where receiver_kind = 'member'
)

select * from final
