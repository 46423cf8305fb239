with source as (
    select * from {{ source('togetheros', 'togetheros__support_points_allocations') }}
),

final as (
    select
        allocation_id,
        cast(member_id as varchar) as member_id,
        target_type,
        target_id,
        amount,
        status,
        created_at
    from source
    {{ latest_row('allocation_id', 'created_at desc') }}
)

select * from final
