with source as (
    select * from {{ source('togetheros', 'togetheros__groups') }}
),

final as (
    select
        group_id,
        name,
        type as level,
        parent_id,
        is_city_group
    from source
    {{ latest_row('group_id', '_landing_sha256 desc') }}
)

select * from final
