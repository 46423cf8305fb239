with treasury as (
    select * from {{ ref('mart_treasury_monthly') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(currency as string) as currency,
        cast(inflow_minor as bigint) as inflow_minor,
        cast(outflow_minor as bigint) as outflow_minor
    from treasury
)

{{ select_with_group_names('final') }}
