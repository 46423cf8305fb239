-- Every group the community has, wherever it is defined: the TogetherOS platform's groups table,
-- then community/groups.csv (a group id the platform already has is not repeated); with neither,
-- one default group `community` that every space belongs to (README, "Start with only what you
-- have"; pipelines/spaces.py says so in the run's log).
with togetheros as (
    select group_id, name, level, parent_id, is_city_group
    from {{ ref('stg_togetheros__groups') }}
),

community as (
    select community.group_id, community.name, community.level, community.parent_id, community.is_city_group
    from {{ ref('stg_community__groups') }} as community
    anti join togetheros on community.group_id = togetheros.group_id
),

defined as (
    select * from togetheros
    union all
    select * from community
),

default_group as (
    select
        'community' as group_id,
        'Whole community' as name,
        'global' as level,
        cast(null as string) as parent_id,
        false as is_city_group
    where not exists (select 1 from defined)
),

final as (
    select * from defined
    union all
    select * from default_group
)

select * from final
