with fees as (
    select * from {{ ref('mart_treasury_fees') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(currency as string) as currency,
        cast(fees_minor as bigint) as fees_minor,
        cast(income_minor as bigint) as income_minor,
        cast(fee_share as decimal(18, 4)) as fee_share
    from fees
)

{{ select_with_group_names('final') }}
