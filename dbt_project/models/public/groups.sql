with groups as (
    select * from {{ ref('stg_togetheros__groups') }}
),

final as (
    select
        cast(group_id as {{ dbt.type_string() }}) as group_id,
        cast(name as {{ dbt.type_string() }}) as name,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(parent_id as {{ dbt.type_string() }}) as parent_id
    from groups
)

select * from final
