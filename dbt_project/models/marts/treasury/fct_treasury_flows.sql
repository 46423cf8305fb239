-- Money entering (+) or leaving (−) a community treasury, one row per leg held by the community:
-- Open Collective legs on the community's own collectives; ledger postings to Income (+) and
-- Expenses (−) accounts. Integer minor units.
with space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

opencollective as (
    select
        'opencollective' as source,
        'oc:' || transactions.transaction_id as flow_id,
        space_groups.group_id,
        cast(transactions.created_at as date) as booked_on,
        transactions.currency,
        transactions.amount_minor,
        lower(transactions.kind) as category,
        transactions.counterparty_is_local
    from {{ ref('stg_opencollective__transactions') }} as transactions
    inner join space_groups
        on space_groups.source = 'opencollective' and space_groups.space_id = transactions.account_slug
),

ledger as (
    select
        'ledger' as source,
        'ledger:' || postings.transaction_id || ':' || postings.posting_index as flow_id,
        space_groups.group_id,
        postings.posted_on as booked_on,
        postings.currency,
        -postings.amount_minor as amount_minor,
        lower(postings.account_root || '/' || coalesce(nullif(split_part(postings.account, ':', 2), ''), 'other')) as category,
        postings.payee_is_local as counterparty_is_local
    from {{ ref('stg_ledger__postings') }} as postings
    inner join space_groups
        on space_groups.source = 'ledger'
        and space_groups.space_id = regexp_replace(postings.journal, '\.[^.]*$', '')
    where lower(postings.account_root) in ('income', 'expenses', 'revenue', 'expense')
),

final as (
    select * from opencollective
    union all
    select * from ledger
)

select * from final
