-- The community's own list of groups (community/groups.csv), for a community without the TogetherOS
-- platform's groups table.
with source as (
    select * from {{ source('community', 'community__groups') }}
    {{ latest_row('group_id', '_landing_sha256 desc') }}
),

final as (
    select
        group_id,
        name,
        level,
        nullif(trim(parent_id), '') as parent_id,
        level = 'local' as is_city_group
    from source
)

select * from final
