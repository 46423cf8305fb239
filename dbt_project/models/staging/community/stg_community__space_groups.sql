-- Which group each external space (forum category, Decidim component, collective, ledger book,
-- time bank) belongs to: the community's community/space_groups.csv. A community with at most one
-- group (the default group when it defines none) needs no mapping: every other space the data names
-- belongs to that group. With two groups or more, a space no mapping names stops the run before dbt
-- with a message naming the line to add (pipelines/spaces.py, which lists spaces the same way).
with source as (
    select * from {{ source('community', 'community__space_groups') }}
),

explicit as (
    select distinct
        source,
        cast(space_id as string) as space_id,
        group_id
    from source
),

groups as (
    select group_id from {{ source('togetheros', 'togetheros__groups') }}
    union
    select group_id from {{ source('community', 'community__groups') }}
),

sole_group as (
    select coalesce(min(group_id), 'community') as group_id
    from groups
    having count(*) <= 1
),

spaces as (
    select distinct 'discourse' as source, cast(category_id as string) as space_id
    from {{ source('discourse', 'discourse__categories') }}
    union
    select distinct 'discourse' as source, cast(category_id as string) as space_id
    from {{ source('discourse', 'discourse__topics') }}
    where category_id is not null
    union
    select distinct 'discourse' as source, cast(category_id as string) as space_id
    from {{ source('discourse', 'discourse__posts') }}
    where category_id is not null
    union
    select distinct 'decidim' as source, cast(component_id as string) as space_id
    from {{ source('decidim', 'decidim__proposals') }}
    where component_id is not null
    union
    select distinct 'decidim' as source, cast(component_id as string) as space_id
    from {{ source('decidim', 'decidim__results') }}
    where component_id is not null
    union
    select distinct 'decidim' as source, cast(component_id as string) as space_id
    from {{ source('decidim', 'decidim__meetings') }}
    where component_id is not null
    union
    select distinct 'decidim' as source, cast(component_id as string) as space_id
    from {{ source('decidim', 'decidim__projects') }}
    where component_id is not null
    union
    select distinct 'opencollective' as source, account_slug as space_id
    from {{ source('opencollective', 'opencollective__transactions') }}
    where account_slug is not null
    union
    select distinct 'ledger' as source, space_id
    from {{ ref('stg_ledger__postings') }}
    union
    select distinct 'timeoverflow' as source, cast(organization_id as string) as space_id
    from {{ source('timeoverflow', 'timeoverflow__organizations') }}
    union
    select distinct 'timeoverflow' as source, space_id
    from {{ ref('stg_timeoverflow__hours') }}
),

defaults as (
    select spaces.source, spaces.space_id, sole_group.group_id
    from spaces
    cross join sole_group
    anti join explicit on spaces.source = explicit.source and spaces.space_id = explicit.space_id
),

final as (
    select * from explicit
    union all
    select * from defaults
)

select * from final
