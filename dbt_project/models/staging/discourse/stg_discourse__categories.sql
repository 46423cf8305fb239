with source as (
    select * from {{ source('discourse', 'discourse__categories') }}
),

final as (
    select
        category_id,
        parent_category_id,
        read_restricted
    from source
    {{ latest_row('category_id', '_landing_sha256') }}
)

select * from final
