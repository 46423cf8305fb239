-- Platform members: only keyed pseudonyms of email and handle leave this model.
with source as (
    select * from {{ source('togetheros', 'togetheros__users') }}
),

final as (
    select
        cast(user_id as string) as source_user_id,
        {{ person_key('email') }} as email_key,
        {{ person_key('handle') }} as handle_key,
        created_at
    from source
    {{ latest_row('user_id', 'created_at desc') }}
)

select * from final
