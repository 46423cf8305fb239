-- One leg per movement of money on a community treasury account, signed from the account's side
-- (+ in, − out), integer minor units: Open Collective rows on the community's own collectives
-- (fees netted inside a row split out as their own leg), and, from the plain-text books, every
-- non-asset posting of a transaction that moves an asset account (sign reversed), plus transfers
-- between two asset accounts. No person identifiers: counterparties only as a type.
with space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

member_handles as (
    select distinct handle_key
    from {{ ref('int_member_identities') }}
    where handle_key is not null
),

oc_transactions as (
    select transactions.*, space_groups.group_id
    from {{ ref('stg_opencollective__transactions') }} as transactions
    inner join space_groups
        on space_groups.source = 'opencollective' and transactions.account_slug = space_groups.space_id
),

oc_classified as (
    select
        oc_transactions.*,
        case
            when upper(oc_transactions.kind) in ('HOST_FEE', 'PAYMENT_PROCESSOR_FEE', 'PLATFORM_TIP', 'PLATFORM_FEE')
                then 'fees'
            when oc_transactions.opposite_is_own_collective or upper(oc_transactions.kind) = 'BALANCE_TRANSFER'
                then 'internal_transfer'
            when oc_transactions.is_incognito or member_handles.handle_key is not null then 'individual'
            else 'organization'
        end as counterparty_type
    from oc_transactions
    left join member_handles on oc_transactions.opposite_handle_key = member_handles.handle_key
),

oc_legs as (
    select
        'oc:' || transaction_id as flow_id,
        group_id,
        account_slug as account,
        cast(created_at as date) as booked_on,
        currency,
        amount_minor,
        lower(kind) as category,
        counterparty_type,
        counterparty_is_local
    from oc_classified

    union all
    -- a fee the export nets inside the row (amount 10.00, net 8.71) is a leg of its own
    select
        'oc:' || transaction_id || ':netted_fee' as flow_id,
        group_id,
        account_slug as account,
        cast(created_at as date) as booked_on,
        currency,
        net_amount_minor - amount_minor as amount_minor,
        'payment_processor_fee' as category,
        'fees' as counterparty_type,
        false as counterparty_is_local
    from oc_classified
    where net_amount_minor is not null and net_amount_minor != amount_minor
),

postings as (
    select postings.*, space_groups.group_id
    from {{ ref('stg_ledger__postings') }} as postings
    inner join space_groups on space_groups.source = 'ledger' and postings.space_id = space_groups.space_id
),

ledger_transactions as (
    select
        transaction_id,
        -- the treasury account of the transaction: its first asset posting
        min_by(account_category, posting_index) filter (where account_root = 'assets') as asset_account,
        bool_and(account_root = 'assets') as is_asset_transfer
    from postings
    group by transaction_id
    having count(*) filter (where account_root = 'assets') > 0
),

ledger_legs as (
    select
        'ledger:' || postings.transaction_id || ':' || postings.posting_index as flow_id,
        postings.group_id,
        postings.space_id || ':' || case
            when ledger_transactions.is_asset_transfer then postings.account_category
            else ledger_transactions.asset_account
        end as account,
        postings.posted_on as booked_on,
        postings.currency,
        case when ledger_transactions.is_asset_transfer then postings.amount_minor else -postings.amount_minor end
            as amount_minor,
        postings.account_category as category,
        case
            when {{ regex_matches('postings.account_category', '\\bfees?\\b') }} then 'fees'
            when ledger_transactions.is_asset_transfer or postings.account_root = 'equity' then 'internal_transfer'
            when postings.payee_is_listed then 'organization'
            else 'unclassified'
        end as counterparty_type,
        postings.payee_is_local as counterparty_is_local
    from postings
    inner join ledger_transactions on postings.transaction_id = ledger_transactions.transaction_id
    where ledger_transactions.is_asset_transfer or postings.account_root != 'assets'
),

legs as (
    select * from oc_legs
    union all
    select * from ledger_legs
),

final as (
    select
        *,
        {{ month_of('booked_on') }} as month,
        case when amount_minor >= 0 then 'in' else 'out' end as direction,
        -- what the leg is for: income from outside, spending, fees, or money moving between own accounts
        case
            when counterparty_type = 'fees' then 'fee'
            when counterparty_type = 'internal_transfer' then 'internal'
            when category in ('contribution', 'added_funds') or category like 'income%' or category like 'revenue%'
                then 'income'
            when category = 'expense' or category like 'expenses%' or category like 'expense:%' then 'spending'
            else 'other'
        end as flow_class
    from legs
)

select * from final
