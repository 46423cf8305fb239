-- Inflow and outflow per group (and every group below it), month and currency.
with flows as (
    select * from {{ ref('fct_treasury_flows') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        {{ month_of('flows.booked_on') }} as month,
        flows.currency,
        sum(case when flows.amount_minor > 0 then flows.amount_minor else 0 end) as inflow_minor,
        sum(case when flows.amount_minor < 0 then -flows.amount_minor else 0 end) as outflow_minor
    from flows
    inner join groups on flows.group_id = groups.group_id
    group by all
)

select * from final
