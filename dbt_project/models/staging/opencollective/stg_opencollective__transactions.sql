-- One row per leg as exported; money in integer minor units of the host currency.
-- Names and counterparty slugs are dropped: a counterparty is kept only as a keyed pseudonym
-- (to recognise members), as one of the community's own collectives or not, and as local or not
-- (from the community's local_payees list).
with source as (
    select * from {{ source('opencollective', 'opencollective__transactions') }}
),

local_payees as (
    select * from {{ ref('stg_community__local_payees') }}
),

own_collectives as (
    select distinct space_id as slug
    from {{ ref('stg_community__space_groups') }}
    where source = 'opencollective'
),

final as (
    select
        source.transaction_id,
        source.group_id as transaction_group,
        source.created_at,
        source.type,
        source.kind,
        source.is_refund,
        source.refund_of_id,
        source.amount_minor,
        source.net_amount_minor,
        source.balance_minor,
        source.currency,
        source.account_slug,
        coalesce(local_payees.is_local, false) as counterparty_is_local,
        own_collectives.slug is not null as opposite_is_own_collective,
        case when own_collectives.slug is not null then source.opposite_account_slug end as opposite_collective,
        -- an incognito contributor chose not to be identified: no key, so no link to any member
        case when not {{ opencollective_is_incognito() }} then {{ person_key('opposite_account_slug') }} end
            as opposite_handle_key,
        {{ opencollective_is_incognito() }} as is_incognito,
        -- where the row sits in its export: rows of the same instant keep the export's own order
        -- (the running balance column follows it)
        source._landing_sha256 as landing_sha256,
        try_cast(source._record as bigint) as export_line
    from source
    left join local_payees on lower(source.opposite_account_slug) = local_payees.counterparty
    left join own_collectives on lower(source.opposite_account_slug) = lower(own_collectives.slug)
    {{ latest_row('source.transaction_id', 'source._landing_sha256') }}
)

select * from final
