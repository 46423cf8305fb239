-- Per treasury account: our closing balance, the balance the source itself states, the difference
-- and the first statement where they part. A difference is published as it is.
with reconciliation as (
    select * from {{ ref('mart_treasury_reconciliation') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(account as string) as account,
        cast(currency as string) as currency,
        cast(source as string) as source,
        cast(starts_on as date) as starts_on,
        cast(starts_with_opening_balance as boolean) as starts_with_opening_balance,
        cast(closing_balance_minor as bigint) as closing_balance_minor,
        cast(source_balance_minor as bigint) as source_balance_minor,
        cast(difference_minor as bigint) as difference_minor,
        cast(statements as bigint) as statements,
        cast(disagreeing_statements as bigint) as disagreeing_statements,
        cast(last_statement_on as date) as last_statement_on,
        cast(first_divergence_on as date) as first_divergence_on,
        cast(first_divergence_record as string) as first_divergence_record,
        cast(first_divergence_minor as bigint) as first_divergence_minor,
        cast(status as string) as status
    from reconciliation
)

{{ select_with_group_names('final') }}
