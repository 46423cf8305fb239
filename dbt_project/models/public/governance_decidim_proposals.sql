-- Decidim proposals per group, month published and answer state, with their supports.
with proposals as (
    select * from {{ ref('mart_decidim_proposals') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(state as string) as state,
        cast(proposals as bigint) as proposals,
        cast(supports as bigint) as supports
    from proposals
)

{{ select_with_group_names('final') }}
