-- One pseudonymous member per person across sources: accounts sharing a normalised email are one
-- person; an account without an email joins the person whose handle it shares, when that handle
-- belongs to exactly one email; otherwise it stands alone.
with identities as (
    select * from {{ ref('int_member_identities') }}
),

handle_emails as (
    select
        handle_key,
        min(email_key) as email_key
    from identities
    where email_key is not null and handle_key is not null
    group by handle_key
    having count(distinct email_key) = 1
),

resolved as (
    select
        identities.source,
        identities.source_user_id,
        coalesce(
            identities.email_key,
            handle_emails.email_key,
            identities.handle_key,
            {{ source_account_key('identities.source', 'identities.source_user_id') }}
        ) as person_key
    from identities
    left join handle_emails
        on identities.email_key is null and identities.handle_key = handle_emails.handle_key
),

final as (
    select distinct
        source,
        source_user_id,
        {{ member_id('person_key') }} as member_id
    from resolved
)

select * from final
