-- The balances the community's books state (ledger/hledger balance assertions, beancount balance
-- directives), cut to the publishable account levels like the postings. An assertion states a
-- published account's balance only when the asserted account is the only account of its file under
-- that published category and currency (an assertion names one account, without its sub-accounts;
-- a published category that sums several accounts is not stated by it).
with source as (
    select * from {{ source('ledger', 'ledger__balance_assertions') }}
    {{ latest_row('assertion_id', '_landing_sha256') }}
),

categories as (
    select lower(trim(category)) as category from {{ ref('ledger_account_categories') }}
),

accounts as (
    select journal, account, currency from {{ source('ledger', 'ledger__postings') }}
    union
    select journal, account, currency from source
),

categorised as (
    select
        accounts.journal,
        accounts.account,
        accounts.currency,
        {{ treasury_ledger_category('accounts.account', 'categories.category is not null') }} as account_category
    from accounts
    left join categories on lower(trim(split_part(accounts.account, ':', 2))) = categories.category
),

shared as (
    select journal, account_category, currency, count(distinct lower(account)) as accounts
    from categorised
    group by all
),

final as (
    select
        source.assertion_id,
        source.journal,
        source.transaction_id,
        source.posted_on,
        {{ treasury_ledger_root('source.account') }} as account_root,
        categorised.account_category,
        source.amount_minor,
        source.currency,
        shared.accounts = 1 as states_whole_account
    from source
    inner join categorised
        on source.journal = categorised.journal
        and source.account = categorised.account
        and source.currency = categorised.currency
    inner join shared
        on categorised.journal = shared.journal
        and categorised.account_category = shared.account_category
        and categorised.currency = shared.currency
)

select * from final
