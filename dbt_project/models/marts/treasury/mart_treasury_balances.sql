-- Balance of every treasury account (an Open Collective collective or an asset account of the
-- books; never a person) at the end of each month, from its first month to the last month of data:
-- the running sum of its legs. A month without legs carries the balance forward.
with legs as (
    select * from {{ ref('fct_treasury_legs') }}
),

monthly_change as (
    select group_id, account, currency, month, sum(amount_minor) as change_minor
    from legs
    group by all
),

account_span as (
    select
        monthly_change.group_id,
        monthly_change.account,
        monthly_change.currency,
        min(monthly_change.month) as first_month,
        (select max(legs.month) from legs) as last_month
    from monthly_change
    group by all
),

account_months as (
    select
        account_span.group_id,
        account_span.account,
        account_span.currency,
        {{ date_series('account_span.first_month', 'account_span.last_month', 'interval 1 month') }} as month
    from account_span
),

final as (
    select
        account_months.group_id,
        account_months.account,
        account_months.currency,
        account_months.month,
        coalesce(monthly_change.change_minor, 0) as change_minor,
        sum(coalesce(monthly_change.change_minor, 0)) over (
            partition by account_months.group_id, account_months.account, account_months.currency
            order by account_months.month
        ) as balance_minor
    from account_months
    left join monthly_change
        on account_months.group_id = monthly_change.group_id
        and account_months.account = monthly_change.account
        and account_months.currency = monthly_change.currency
        and account_months.month = monthly_change.month
)

select * from final
