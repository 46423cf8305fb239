-- Local value retained, an open LM3-style lower bound, per group (and every group below it), month
-- and currency: R1 income entering the treasuries, R2 of it spent with local payees, R3 = R2 × the
-- assumed local re-spend share; time-bank hours valued at the stated hourly rate, kept apart.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

exchanges as (
    select * from {{ ref('fct_timebank_exchanges') }}
),

hierarchy as (
    select * from {{ ref('int_groups') }}
),

assumptions as (
    select * from {{ ref('local_value_assumptions') }}
),

respend as (
    select value as respend_share
    from assumptions
    where assumption = 'respend_share'
),

treasury_rounds as (
    select
        hierarchy.ancestor_id as group_id,
        legs.month,
        legs.currency,
        coalesce(sum(legs.amount_minor) filter (where legs.flow_class = 'income'), 0) as r1_minor,
        coalesce(-sum(legs.amount_minor) filter (where legs.flow_class = 'spending' and legs.counterparty_is_local), 0)
            as r2_minor
    from legs
    inner join hierarchy on legs.group_id = hierarchy.group_id
    group by all
),

-- the currency hours are valued in: that of the treasuries nearest above the exchange's group
subtree_currencies as (
    select hierarchy.ancestor_id as group_id, legs.currency, count(*) as legs
    from legs
    inner join hierarchy on legs.group_id = hierarchy.group_id
    group by all
),

currency_ranks as (
    select
        hierarchy.group_id,
        subtree_currencies.currency,
        row_number() over (
            partition by hierarchy.group_id
            order by hierarchy.distance asc, subtree_currencies.legs desc, subtree_currencies.currency asc
        ) as currency_rank
    from hierarchy
    inner join subtree_currencies on hierarchy.ancestor_id = subtree_currencies.group_id
),

home_currencies as (
    select group_id, currency
    from currency_ranks
    where currency_rank = 1
),

hours_value as (
    select
        hierarchy.ancestor_id as group_id,
        exchanges.month,
        home_currencies.currency,
        -- seconds × (minor units per hour) ÷ 3600, rounded half away from zero in exact arithmetic
        cast({{ treasury_ratio('sum(exchanges.seconds) * cast(max(assumptions.value) * 10000 as bigint)', '36000000', 0) }}
            as bigint) as hours_value_minor
    from exchanges
    inner join home_currencies on exchanges.group_id = home_currencies.group_id
    inner join assumptions on assumptions.assumption = 'hour_value' and home_currencies.currency = assumptions.currency
    inner join hierarchy on exchanges.group_id = hierarchy.group_id
    group by all
),

combined as (
    select
        coalesce(treasury_rounds.group_id, hours_value.group_id) as group_id,
        coalesce(treasury_rounds.month, hours_value.month) as month,
        coalesce(treasury_rounds.currency, hours_value.currency) as currency,
        coalesce(treasury_rounds.r1_minor, 0) as r1_minor,
        coalesce(treasury_rounds.r2_minor, 0) as r2_minor,
        coalesce(hours_value.hours_value_minor, 0) as hours_value_minor
    from treasury_rounds
    full outer join hours_value
        on treasury_rounds.group_id = hours_value.group_id
        and treasury_rounds.month = hours_value.month
        and treasury_rounds.currency = hours_value.currency
),

final as (
    select
        combined.group_id,
        combined.month,
        combined.currency,
        combined.r1_minor,
        combined.r2_minor,
        {{ local_value_r3('combined.r2_minor', 'respend.respend_share') }} as r3_minor,
        {{ treasury_ratio(
            'combined.r1_minor + combined.r2_minor + ' ~ local_value_r3('combined.r2_minor', 'respend.respend_share'),
            'combined.r1_minor', 4) }} as lm3_ratio,
        combined.hours_value_minor
    from combined
    cross join respend
)

select * from final
