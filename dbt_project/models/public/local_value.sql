with local_value as (
    select * from {{ ref('mart_local_value') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(currency as string) as currency,
        cast(r1_minor as bigint) as r1_minor,
        cast(r2_minor as bigint) as r2_minor,
        cast(r3_minor as bigint) as r3_minor,
        cast(lm3_ratio as decimal(18, 4)) as lm3_ratio,
        cast(hours_value_minor as bigint) as hours_value_minor
    from local_value
)

{{ select_with_group_names('final') }}
