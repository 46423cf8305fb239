-- Group memberships (only the count is public on the platform; member lists never leave staging
-- except as pseudonymous ids for counting).
with source as (
    select * from {{ source('togetheros', 'togetheros__group_members') }}
),

final as (
    select
        group_id,
        cast(user_id as string) as user_id,
        status,
        joined_at
    from source
    {{ latest_row('group_id, user_id', 'joined_at desc nulls last, _landing_sha256 desc') }}
)

select * from final
