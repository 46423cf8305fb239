-- Inflow and outflow per group (and every group below it), month and currency.
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
        sum(case when legs.amount_minor > 0 then legs.amount_minor else 0 end) as inflow_minor,
        sum(case when legs.amount_minor < 0 then -legs.amount_minor else 0 end) as outflow_minor
    from legs
    inner join groups on legs.group_id = groups.group_id
    group by all
)

select * from final
