-- Every treasury leg, per own group (not rolled up), so auditors can recompute the treasury
-- aggregates. No person identifiers: a counterparty is only a type and local or not.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

final as (
    select
        cast(flow_id as string) as flow_id,
        cast(group_id as string) as group_id,
        cast(account as string) as account,
        cast(month as date) as month,
        cast(currency as string) as currency,
        cast(amount_minor as bigint) as amount_minor,
        cast(direction as string) as direction,
        cast(category as string) as category,
        cast(counterparty_type as string) as counterparty_type,
        cast(counterparty_is_local as boolean) as counterparty_is_local,
        cast(flow_class as string) as flow_class
    from legs
)

{{ select_with_group_names('final') }}
