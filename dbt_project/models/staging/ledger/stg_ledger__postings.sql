-- One row per posting of the community's plain-text books. Payee text is dropped (it can name
-- people): only whether the payee is on the community's payee list, and local, is kept. Accounts
-- are published only as the levels that cannot name a person: the root, and a second level listed
-- in the seed ledger_account_categories (treasury_ledger_category); every other level is withheld.
with source as (
    select * from {{ source('ledger', 'ledger__postings') }}
    {{ latest_row('transaction_id, posting_index', '_landing_sha256') }}
),

local_payees as (
    select * from {{ ref('stg_community__local_payees') }}
),

categories as (
    select lower(trim(category)) as category from {{ ref('ledger_account_categories') }}
),

classified as (
    select
        source.*,
        {{ treasury_is_fee_account('source.account') }} as account_is_fee,
        -- opening balances and closing entries: money moves only between balance-sheet accounts and
        -- equity, and the description or the equity account says so (see docs/methodology/treasury.md)
        bool_and(lower(split_part(source.account, ':', 1)) in ('assets', 'liabilities', 'equity'))
            over (partition by source.transaction_id)
        and bool_or(
            lower(split_part(source.account, ':', 1)) = 'equity'
            and (
                {{ regex_matches('lower(source.account)', "'" ~ treasury_balance_entry_words() ~ "'") }}
                or {{ regex_matches("lower(coalesce(source.payee, ''))", "'" ~ treasury_balance_entry_words() ~ "'") }}
            )
        ) over (partition by source.transaction_id) as is_balance_entry,
        categories.category is not null as second_level_is_category,
        local_payees.counterparty is not null as payee_is_listed,
        coalesce(local_payees.is_local, false) as payee_is_local
    from source
    left join local_payees on lower(trim(source.payee)) = local_payees.counterparty
    left join categories on lower(trim(split_part(source.account, ':', 2))) = categories.category
),

final as (
    select
        transaction_id,
        journal,
        {{ regex_replace_all('journal', "'[.][^.]*$'", "''") }} as space_id,
        posting_index,
        posted_on,
        payee_is_listed,
        payee_is_local,
        {{ treasury_ledger_root('account') }} as account_root,
        {{ treasury_ledger_category('account', 'second_level_is_category') }} as account_category,
        account_is_fee,
        is_balance_entry,
        amount_minor,
        currency,
        is_virtual
    from classified
)

select * from final
