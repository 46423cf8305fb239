with hours as (
    select * from {{ ref('mart_timebank_hours_monthly') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(exchange_kind as string) as exchange_kind,
        cast(exchanges as bigint) as exchanges,
        cast(seconds_exchanged as bigint) as seconds_exchanged,
        cast({{ timebank_hours('seconds_exchanged') }} as decimal(18, 2)) as hours_exchanged
    from hours
)

{{ select_with_group_names('final') }}
