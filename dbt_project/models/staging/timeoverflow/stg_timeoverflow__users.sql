with source as (
    select * from {{ source('timeoverflow', 'timeoverflow__users') }}
),

final as (
    select
        cast(user_id as string) as source_user_id,
        {{ person_key('email') }} as email_key,
        {{ person_key('username') }} as handle_key
    from source
    {{ latest_row('user_id', '_landing_sha256') }}
)

select * from final
