with proposals as (
    select * from {{ ref('mart_proposals_by_stage') }}
),

final as (
    select
        cast(group_id as {{ dbt.type_string() }}) as group_id,
        cast(stage as {{ dbt.type_string() }}) as stage,
        cast(proposals as bigint) as proposals
    from proposals
)

select * from final
