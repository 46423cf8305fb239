-- Money in and out per group (and every group below it), month, currency, category and kind of
-- counterparty: where the money comes from and where it goes.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        legs.month,
        legs.currency,
        legs.direction,
        legs.category,
        legs.counterparty_type,
        sum(abs(legs.amount_minor)) as amount_minor,
        count(*) as legs
    from legs
    inner join groups on legs.group_id = groups.group_id
    group by all
)

select * from final
