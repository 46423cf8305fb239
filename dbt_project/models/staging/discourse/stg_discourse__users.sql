with source as (
    select * from {{ source('discourse', 'discourse__users') }}
),

final as (
    select
        cast(user_id as string) as source_user_id,
        {{ person_key('max(email)') }} as email_key,
        {{ person_key('max(username)') }} as handle_key
    from source
    where user_id > 0
    group by user_id
)

select * from final
