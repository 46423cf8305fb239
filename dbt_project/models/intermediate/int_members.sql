-- One pseudonymous member per person across sources: accounts sharing a normalised email are one
-- person; an account without an email joins the person whose handle it shares, when that handle
-- belongs to exactly one email; otherwise it stands alone. The reviewed seed member_links corrects
-- what these rules get wrong (merge two accounts, or split one off).
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

links as (
    select * from {{ ref('member_links') }}
),

corrected as (
    select
        resolved.source,
        resolved.source_user_id,
        case links.action
            when 'split' then {{ source_account_key('resolved.source', 'resolved.source_user_id') }}
            when 'merge' then coalesce(linked.person_key, resolved.person_key)
            else resolved.person_key
        end as person_key
    from resolved
    left join links
        on resolved.source = links.source and resolved.source_user_id = links.source_user_id
    left join resolved as linked
        on links.action = 'merge'
        and links.linked_source = linked.source
        and links.linked_source_user_id = linked.source_user_id
),

final as (
    select distinct
        source,
        source_user_id,
        {{ member_id('person_key') }} as member_id
    from corrected
)

select * from final
