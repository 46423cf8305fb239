-- Every exchange of time in the community's time banks, one row each: who provided and who received
-- (pseudonymous member ids, or "organization" for a time bank's own account), how many seconds,
-- in which group. Sources: TimeOverflow transfers, plain hours files, and the TogetherOS time bank
-- (confirmed exchanges only: pending, disputed and resolved ones are not counted).
with space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
where source = 'timeoverflow'
),

members as (
    select * from {{ ref('int_members') }}
),

movements as (
    select
        movements.*,
        case when movements.accountable_type = 'Member' then 'member' else 'organization' end as party_kind,
        coalesce(movements.user_id, 'account:' || movements.account_id) as source_user_id
    from {{ ref('stg_timeoverflow__movements') }} as movements
),

-- TimeOverflow: the credited account earned the hours (provided the service), the debited one paid;
-- a transfer between two organizations belongs to the provider's organization
timeoverflow as (
    select
        'timeoverflow:' || credit.transfer_id as exchange_id,
        'timeoverflow' as source,
        space_groups.group_id,
        credit.created_at as exchanged_at,
        credit.amount_seconds as seconds,
        credit.party_kind as provider_kind,
        credit.source_user_id as provider_source_id,
        debit.party_kind as receiver_kind,
        debit.source_user_id as receiver_source_id
    from movements as credit
    inner join movements as debit on credit.transfer_id = debit.transfer_id and debit.amount_seconds < 0
    inner join space_groups on space_groups.space_id = cast(credit.organization_id as string)
    where credit.amount_seconds > 0
),

hours_files as (
    select
        'hours:' || hours.exchange_id as exchange_id,
        'timebank_hours' as source,
        space_groups.group_id,
        cast(hours.exchanged_on as timestamp) as exchanged_at,
        hours.seconds,
        'member' as provider_kind,
        hours.provider_key as provider_source_id,
        'member' as receiver_kind,
        hours.receiver_key as receiver_source_id
    from {{ ref('stg_timeoverflow__hours') }} as hours
    inner join space_groups on hours.space_id = space_groups.space_id
),

togetheros as (
    select
        'togetheros:' || transaction_id as exchange_id,
        'togetheros' as source,
        group_id,
        confirmed_at as exchanged_at,
        hours_seconds as seconds,
        'member' as provider_kind,
        provider_id as provider_source_id,
        'member' as receiver_kind,
        receiver_id as receiver_source_id
    from {{ ref('stg_togetheros__timebank_transactions') }}
    where status = 'confirmed' and confirmed_at is not null
),

exchanges as (
    select * from timeoverflow
    union all select * from hours_files
    union all select * from togetheros
),

final as (
    select
        exchanges.exchange_id,
        exchanges.source,
        exchanges.group_id,
        exchanges.exchanged_at,
        {{ month_of('exchanges.exchanged_at') }} as month,
        exchanges.seconds,
        exchanges.provider_kind,
        case when exchanges.provider_kind = 'member'
            then {{ timebank_member_id('providers', 'exchanges.source', 'exchanges.provider_source_id') }}
            else 'organization' end as provider_id,
        exchanges.receiver_kind,
        case when exchanges.receiver_kind = 'member'
            then {{ timebank_member_id('receivers', 'exchanges.source', 'exchanges.receiver_source_id') }}
            else 'organization' end as receiver_id
    from exchanges
    left join members as providers
        on exchanges.source = providers.source and exchanges.provider_source_id = providers.source_user_id
    left join members as receivers
        on exchanges.source = receivers.source and exchanges.receiver_source_id = receivers.source_user_id
    where exchanges.group_id is not null and exchanges.exchanged_at is not null and exchanges.seconds > 0
)

select * from final
