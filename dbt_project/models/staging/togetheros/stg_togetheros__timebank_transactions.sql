-- Only confirmed exchanges count; hours are integer seconds.
with source as (
    select * from {{ source('togetheros', 'togetheros__timebank_transactions') }}
),

final as (
    select
        transaction_id,
        cast(provider_id as string) as provider_id,
        cast(receiver_id as string) as receiver_id,
        group_id,
        hours_seconds,
        status,
        created_at,
        confirmed_at
    from source
    {{ latest_row('transaction_id', 'confirmed_at desc nulls last') }}
)

select * from final
