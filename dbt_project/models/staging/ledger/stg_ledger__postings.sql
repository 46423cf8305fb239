-- Payee text is dropped (it can name people); only whether the payee is local is kept.
with source as (
    select * from {{ source('ledger', 'ledger__postings') }}
),

local_payees as (
    select * from {{ ref('stg_community__local_payees') }}
),

final as (
    select
        transaction_id,
        journal,
        posting_index,
        posted_on,
        coalesce(local_payees.is_local, false) as payee_is_local,
        account,
        split_part(account, ':', 1) as account_root,
        amount_minor,
        currency
    from source
    left join local_payees on lower(trim(source.payee)) = local_payees.counterparty
    {{ latest_row('transaction_id, posting_index', '_landing_sha256') }}
)

select * from final
