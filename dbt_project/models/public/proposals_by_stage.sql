with proposals as (
    select * from {{ ref('mart_proposals_by_stage') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(stage as string) as stage,
        cast(proposals as bigint) as proposals
    from proposals
)

{{ select_with_group_names('final') }}
