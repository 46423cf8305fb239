-- Per treasury account: the closing balance we publish beside the balance the source itself states,
-- and where they first part. The source's statements: Open Collective's running `balance` column
-- (after every row), and in the books every opening balance or closing entry after the first one
-- on the account (an opening states the balance the account starts the file with; a closing entry
-- states, by moving it all to equity, the balance it had) and every balance assertion (ledger and
-- hledger `= amount` after a posting, beancount `balance` at the start of its date). Nothing here changes a published figure:
-- a difference is reported, never smoothed over.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

closing as (
    select
        group_id,
        account,
        currency,
        sum(amount_minor) as closing_balance_minor,
        min(booked_on) as starts_on,
        bool_or(flow_class = 'opening') as has_opening_leg
    from legs
    group by all
),

-- Open Collective: our running balance (the account's legs, in the export's order) against the
-- export's balance after each row
oc_exports as (
    -- an export lists rows newest first or oldest first; the order of rows of the same instant follows it
    select
        landing_sha256,
        min_by(created_at, export_line) > max_by(created_at, export_line) as is_newest_first
    from {{ ref('stg_opencollective__transactions') }}
    group by all
),

oc_rows as (
    select
        transactions.transaction_id,
        transactions.account_slug as account,
        transactions.currency,
        transactions.created_at,
        transactions.balance_minor as stated_minor,
        sum(coalesce(transactions.net_amount_minor, transactions.amount_minor)) over (
            partition by transactions.account_slug, transactions.currency
            order by
                transactions.created_at,
                case when oc_exports.is_newest_first then -transactions.export_line else transactions.export_line end,
                transactions.transaction_id
            rows between unbounded preceding and current row
        ) as ours_minor,
        row_number() over (
            partition by transactions.account_slug, transactions.currency
            order by
                transactions.created_at,
                case when oc_exports.is_newest_first then -transactions.export_line else transactions.export_line end,
                transactions.transaction_id
        ) as position
    from {{ ref('stg_opencollective__transactions') }} as transactions
    inner join oc_exports on transactions.landing_sha256 = oc_exports.landing_sha256
    inner join (
        select distinct account
        from legs
        where flow_id like 'oc:%'
    ) as own
        on transactions.account_slug = own.account
),

oc_statements as (
    select
        account,
        currency,
        'opencollective' as source,
        'oc:' || transaction_id as record,
        cast(created_at as date) as stated_on,
        position,
        stated_minor,
        ours_minor
    from oc_rows
    where stated_minor is not null
),

-- does the export start with the account (its first row's balance is that row alone) or later?
oc_starts as (
    select
        account,
        currency,
        min_by(stated_minor = ours_minor, position) filter (where stated_minor is not null) as starts_at_zero
    from oc_rows
    group by all
),

-- the books: statements of later opening balances and closing entries, per asset account
book_postings as (
    select * from {{ ref('int_treasury_book_postings') }}
),

book_entries as (
    select
        book_id,
        account_category,
        currency,
        transaction_id,
        min(posted_on) as stated_on,
        min(book_order) as book_order,
        bool_or(posted_on = file_first_day) as is_opening,
        sum(amount_minor) as moved_minor
    from book_postings
    where is_balance_entry and not is_opening_balance and account_root = 'assets'
    group by all
),

counted_book_postings as (
    select book_id, account_category, currency, book_order, posted_on, amount_minor
    from book_postings
    where account_root = 'assets' and (not is_balance_entry or is_opening_balance)
),

book_statements as (
    select
        book_entries.book_id || ':' || book_entries.account_category as account,
        book_entries.currency,
        'ledger' as source,
        'ledger:' || book_entries.transaction_id as record,
        book_entries.stated_on,
        book_entries.book_order as position,
        case when book_entries.is_opening then book_entries.moved_minor else -book_entries.moved_minor end
            as stated_minor,
        coalesce(sum(counted.amount_minor), 0) as ours_minor
    from book_entries
    left join counted_book_postings as counted
        on book_entries.book_id = counted.book_id
        and book_entries.account_category = counted.account_category
        and book_entries.currency = counted.currency
        and book_entries.book_order > counted.book_order
    group by all
),

-- the books' balance assertions on an asset account that they state whole (see
-- stg_ledger__balance_assertions): after their transaction, or at the start of their date when
-- they belong to none (beancount)
book_files as (
    select distinct journal, book_id from book_postings
),

book_transactions as (
    select distinct transaction_id, book_order from book_postings
),

assertions as (
    select
        book_files.book_id,
        assertions.assertion_id,
        assertions.account_category,
        assertions.currency,
        assertions.posted_on,
        assertions.amount_minor,
        book_transactions.book_order
    from {{ ref('stg_ledger__balance_assertions') }} as assertions
    inner join book_files on assertions.journal = book_files.journal
    left join book_transactions on assertions.transaction_id = book_transactions.transaction_id
    where assertions.account_root = 'assets' and assertions.states_whole_account
),

assertion_statements as (
    select
        assertions.book_id || ':' || assertions.account_category as account,
        assertions.currency,
        'ledger' as source,
        'ledger:' || assertions.assertion_id as record,
        assertions.posted_on as stated_on,
        -- after its transaction; a dated statement sits after the last transaction before its date
        coalesce(any_value(assertions.book_order), max(counted.book_order) + 0.5, 0.5) as position,
        assertions.amount_minor as stated_minor,
        coalesce(sum(counted.amount_minor), 0) as ours_minor
    from assertions
    left join counted_book_postings as counted
        on assertions.book_id = counted.book_id
        and assertions.account_category = counted.account_category
        and assertions.currency = counted.currency
        and (
            assertions.book_order >= counted.book_order
            or (assertions.book_order is null and assertions.posted_on > counted.posted_on)
        )
    group by
        assertions.book_id,
        assertions.account_category,
        assertions.currency,
        assertions.assertion_id,
        assertions.posted_on,
        assertions.amount_minor
),

statements as (
    select * from oc_statements
    union all
    select * from book_statements
    union all
    select * from assertion_statements
),

checked as (
    select
        account,
        currency,
        any_value(source) as source,
        count(*) as statements,
        count(*) filter (where ours_minor != stated_minor) as disagreeing_statements,
        min_by(record, position) filter (where ours_minor != stated_minor) as first_divergence_record,
        min(stated_on) filter (where ours_minor != stated_minor) as first_divergence_on,
        min_by(ours_minor - stated_minor, position) filter (where ours_minor != stated_minor)
            as first_divergence_minor,
        -- the source's own closing balance: its last statement, carried forward by what we counted since
        max_by(stated_minor - ours_minor, position) as last_gap_minor,
        max(stated_on) as last_statement_on
    from statements
    group by all
),

final as (
    select
        closing.group_id,
        closing.account,
        closing.currency,
        coalesce(checked.source, case when closing.account in (select oc_rows.account from oc_rows) then 'opencollective' else 'ledger' end)
            as source,
        closing.starts_on,
        -- whether the balance has a starting point: an opening balance in the books, or an export
        -- whose first row is the account's first (empty when the export states no balance)
        case when closing.account in (select oc_rows.account from oc_rows) then oc_starts.starts_at_zero
            else closing.has_opening_leg end as starts_with_opening_balance,
        closing.closing_balance_minor,
        closing.closing_balance_minor + checked.last_gap_minor as source_balance_minor,
        -checked.last_gap_minor as difference_minor,
        coalesce(checked.statements, 0) as statements,
        coalesce(checked.disagreeing_statements, 0) as disagreeing_statements,
        checked.last_statement_on,
        checked.first_divergence_on,
        checked.first_divergence_record,
        checked.first_divergence_minor,
        case
            when checked.statements is null then 'no_statement'
            when checked.disagreeing_statements > 0 then 'disagrees'
            else 'agrees'
        end as status
    from closing
    left join checked on closing.account = checked.account and closing.currency = checked.currency
    left join oc_starts on closing.account = oc_starts.account and closing.currency = oc_starts.currency
)

select * from final
