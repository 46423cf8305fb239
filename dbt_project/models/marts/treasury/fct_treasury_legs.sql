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

-- the books' postings that are money movements: every ordinary transaction, and an opening balance
-- only where it opens an asset account (later ones are statements of the balance, not money)
postings as (
    select *
    from {{ ref('int_treasury_book_postings') }}
    where not is_balance_entry or is_opening_balance
),

-- per transaction and currency: what moved on the asset accounts in total
ledger_totals as (
    select
        transaction_id,
        currency,
        sum(amount_minor) filter (where account_root = 'assets') as asset_net,
        count(*) filter (where account_root != 'assets' and amount_minor != 0) as others
    from postings
    group by all
    having count(*) filter (where account_root = 'assets') > 0
),

-- the asset postings that take the money coming from outside (or going out): those on the side of
-- the net movement (all of them when nothing comes from outside); each takes a share in proportion
-- to its own amount
ledger_takers as (
    select
        postings.transaction_id,
        postings.currency,
        postings.posting_index,
        postings.account_category,
        postings.amount_minor as weight,
        sum(postings.amount_minor) over (partition by postings.transaction_id, postings.currency) as weight_total,
        count(*) over (partition by postings.transaction_id, postings.currency) as takers,
        row_number() over (
            partition by postings.transaction_id, postings.currency
            order by abs(postings.amount_minor) desc, postings.posting_index
        ) as taker_rank
    from postings
    inner join ledger_totals
        on postings.transaction_id = ledger_totals.transaction_id and postings.currency = ledger_totals.currency
    where postings.account_root = 'assets'
        and ledger_totals.others > 0
        and sign(postings.amount_minor) = sign(ledger_totals.asset_net)
        and ledger_totals.asset_net != 0
),

-- one share per (outside posting, taking asset posting): the outside posting's amount, sign turned to
-- the asset's side, times weight / weight_total; rounding left-overs go to the largest taker
ledger_shares as (
    select
        others.transaction_id,
        others.currency,
        others.posting_index,
        takers.posting_index as taker_index,
        takers.account_category as taker_account,
        takers.takers,
        cast({{ int_div('-cast(others.amount_minor as ' ~ type_wide_int() ~ ') * takers.weight', 'takers.weight_total') }}
            as bigint)
        + case
            when takers.taker_rank = 1 then
                -others.amount_minor - cast(sum({{ int_div('-cast(others.amount_minor as ' ~ type_wide_int() ~ ') * takers.weight', 'takers.weight_total') }})
                    over (partition by others.transaction_id, others.posting_index) as bigint)
            else 0
        end as amount_minor
    from postings as others
    inner join ledger_takers as takers
        on others.transaction_id = takers.transaction_id and others.currency = takers.currency
    where others.account_root != 'assets' and others.amount_minor != 0
),

-- what each asset posting moved beyond its share of outside money: a transfer between own accounts
ledger_transfers as (
    select
        postings.transaction_id,
        postings.currency,
        postings.posting_index,
        postings.amount_minor - coalesce(sum(ledger_shares.amount_minor), 0) as amount_minor
    from postings
    inner join ledger_totals
        on postings.transaction_id = ledger_totals.transaction_id and postings.currency = ledger_totals.currency
    left join ledger_shares
        on postings.transaction_id = ledger_shares.transaction_id
        and postings.posting_index = ledger_shares.taker_index
    where postings.account_root = 'assets'
    group by postings.transaction_id, postings.currency, postings.posting_index, postings.amount_minor, ledger_totals.others
    having postings.amount_minor - coalesce(sum(ledger_shares.amount_minor), 0) != 0
        or ledger_totals.others = 0
),

ledger_movements as (
    select
        'ledger:' || ledger_shares.transaction_id || ':' || ledger_shares.posting_index
        || case when ledger_shares.takers > 1 then ':' || ledger_shares.taker_index else '' end as flow_id,
        ledger_shares.transaction_id,
        ledger_shares.posting_index,
        ledger_shares.taker_account as asset_account,
        ledger_shares.amount_minor,
        false as is_transfer
    from ledger_shares
    union all
    select
        'ledger:' || transaction_id || ':' || posting_index as flow_id,
        transaction_id,
        posting_index,
        null as asset_account,
        amount_minor,
        true as is_transfer
    from ledger_transfers
),

ledger_legs as (
    select
        ledger_movements.flow_id,
        postings.group_id,
        postings.book_id || ':' || coalesce(ledger_movements.asset_account, postings.account_category) as account,
        postings.posted_on as booked_on,
        postings.currency,
        ledger_movements.amount_minor,
        postings.account_category as category,
        case
            when ledger_movements.is_transfer or postings.is_balance_entry or postings.account_root = 'equity'
                then 'internal_transfer'
            when postings.account_is_fee then 'fees'
            when postings.payee_is_listed then 'organization'
            else 'unclassified'
        end as counterparty_type,
        postings.payee_is_local as counterparty_is_local,
        postings.is_opening_balance
    from ledger_movements
    inner join postings
        on ledger_movements.transaction_id = postings.transaction_id
        and ledger_movements.posting_index = postings.posting_index
),

legs as (
    select *, false as is_opening_balance from oc_legs
    union all
    select * from ledger_legs
),

final as (
    select
        {{ star_except(['is_opening_balance']) }},
        {{ month_of('booked_on') }} as month,
        case when amount_minor >= 0 then 'in' else 'out' end as direction,
        -- what the leg is for: income from outside, spending, fees, or money moving between own accounts
        case
            when is_opening_balance then 'opening'
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
