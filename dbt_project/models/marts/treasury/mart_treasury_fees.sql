-- Fees paid to hosts, platforms, payment processors and banks per group (and every group below
-- it), month and currency, net of fees given back on refunds, beside the income they were taken on.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

rolled_up as (
    select
        groups.ancestor_id as group_id,
        legs.month,
        legs.currency,
        -sum(legs.amount_minor) filter (where legs.flow_class = 'fee') as fees_minor,
        sum(legs.amount_minor) filter (where legs.flow_class = 'income') as income_minor
    from legs
    inner join groups on legs.group_id = groups.group_id
    group by all
),

final as (
    select
        group_id,
        month,
        currency,
        coalesce(fees_minor, 0) as fees_minor,
        coalesce(income_minor, 0) as income_minor,
        {{ treasury_ratio('coalesce(fees_minor, 0)', 'income_minor', 4) }} as fee_share
    from rolled_up
)

select * from final
