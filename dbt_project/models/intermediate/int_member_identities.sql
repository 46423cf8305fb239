-- Every account a person has in any source, with keyed pseudonyms of its email and handle.
with togetheros as (
    select 'togetheros' as source, source_user_id, email_key, handle_key from {{ ref('stg_togetheros__users') }}
),

discourse as (
    select 'discourse' as source, source_user_id, email_key, handle_key from {{ ref('stg_discourse__users') }}
),

decidim as (
    select 'decidim' as source, source_user_id, email_key, handle_key from {{ ref('stg_decidim__users') }}
),

timeoverflow as (
    select 'timeoverflow' as source, source_user_id, email_key, handle_key from {{ ref('stg_timeoverflow__users') }}
),

hours_people as (
    select provider_key as person_key, provider_is_email as is_email from {{ ref('stg_timeoverflow__hours') }}
    union
    select receiver_key, receiver_is_email from {{ ref('stg_timeoverflow__hours') }}
),

hours as (
    select
        'timebank_hours' as source,
        person_key as source_user_id,
        case when is_email then person_key end as email_key,
        case when not is_email then person_key end as handle_key
    from hours_people
),

final as (
    select * from togetheros
    union all select * from discourse
    union all select * from decidim
    union all select * from timeoverflow
    union all select * from hours
)

select * from final
