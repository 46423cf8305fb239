-- One row per posting of the community's plain-text books. Payee text is dropped (it can name
-- people): only whether the payee is on the community's payee list, and local, is kept. Accounts
-- are published only as their top two levels, never a level that repeats the name of a payee
-- missing from the community's payee list (such payees may be people).
with source as (
    select * from {{ source('ledger', 'ledger__postings') }}
    {{ latest_row('transaction_id, posting_index', '_landing_sha256') }}
),

local_payees as (
    select * from {{ ref('stg_community__local_payees') }}
),

-- payees not on the community's list may be people: an account level repeating one is withheld
unlisted_payee_fingerprints as (
    select distinct
        source.journal,
        {{ treasury_name_fingerprint('source.payee') }} as fingerprint
    from source
    anti join local_payees on lower(trim(source.payee)) = local_payees.counterparty
    where length({{ treasury_name_fingerprint('source.payee') }}) >= 3
),

classified as (
    select
        source.*,
        unlisted_payee_fingerprints.fingerprint is not null as second_level_is_payee,
        local_payees.counterparty is not null as payee_is_listed,
        coalesce(local_payees.is_local, false) as payee_is_local
    from source
    left join local_payees on lower(trim(source.payee)) = local_payees.counterparty
    left join unlisted_payee_fingerprints
        on source.journal = unlisted_payee_fingerprints.journal
        and {{ treasury_name_fingerprint("split_part(source.account, ':', 2)") }} = unlisted_payee_fingerprints.fingerprint
),

final as (
    select
        transaction_id,
        journal,
        regexp_replace(journal, {{ regex_literal('\\.[^.]*$') }}, '') as space_id,
        posting_index,
        posted_on,
        payee_is_listed,
        payee_is_local,
        lower(split_part(account, ':', 1)) as account_root,
        {{ treasury_ledger_category('account', 'second_level_is_payee') }} as account_category,
        amount_minor,
        currency,
        is_virtual
    from classified
)

select * from final
