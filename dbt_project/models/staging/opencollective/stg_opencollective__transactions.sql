-- One row per leg as exported; money in integer minor units of the host currency.
-- Names and counterparty slugs are dropped: a counterparty is kept only as a keyed pseudonym
-- (to count contributors) and as local or not (from the community's local_payees list).
with source as (
    select * from {{ source('opencollective', 'opencollective__transactions') }}
),

local_payees as (
    select * from {{ ref('stg_community__local_payees') }}
),

final as (
    select
        transaction_id,
        group_id as transaction_group,
        created_at,
        type,
        kind,
        is_refund,
        amount_minor,
        net_amount_minor,
        currency,
        account_slug,
        coalesce(local_payees.is_local, false) as counterparty_is_local,
        {{ person_key('opposite_account_slug') }} as opposite_handle_key,
        coalesce(opposite_account_name, '') ilike 'incognito' or coalesce(opposite_account_slug, '') ilike 'incognito%'
            as is_incognito
    from source
    left join local_payees on lower(source.opposite_account_slug) = local_payees.counterparty
    {{ latest_row('transaction_id', '_landing_sha256') }}
)

select * from final
