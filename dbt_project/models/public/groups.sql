with groups as (
    select * from {{ ref('int_group_list') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(name as varchar) as name,
        cast(level as varchar) as level,
        cast(parent_id as varchar) as parent_id
    from groups
)

select * from final
