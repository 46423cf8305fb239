with active as (
    select * from {{ ref('mart_active_members_monthly') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(month as date) as month,
        cast({{ suppressed_count('active_members') }} as bigint) as active_members,
        {{ is_suppressed('active_members') }} as is_suppressed
    from active
)

select * from final
