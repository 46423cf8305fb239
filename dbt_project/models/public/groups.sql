with groups as (
    select * from {{ ref('int_group_list') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(name as string) as name,
        cast(level as string) as level,
        cast(parent_id as string) as parent_id
    from groups
)

select * from final
