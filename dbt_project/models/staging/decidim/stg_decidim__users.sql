with source as (
    select * from {{ source('decidim', 'decidim__users') }}
),

final as (
    select
        cast(user_id as string) as source_user_id,
        cast(null as string) as email_key,
        {{ person_key('nickname') }} as handle_key
    from source
    {{ latest_row('user_id', '_landing_sha256') }}
)

select * from final
