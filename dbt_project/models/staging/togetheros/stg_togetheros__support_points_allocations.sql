-- Support-point allocations with the group of what they support: a proposal's group, or the group of
-- an initiative. Allocations to deleted proposals keep no group, so they leave every public count.
with source as (
    select * from {{ source('togetheros', 'togetheros__support_points_allocations') }}
),

proposals as (
    select proposal_id, group_id from {{ ref('stg_togetheros__proposals') }}
),

initiatives as (
    select initiative_id, group_id from {{ ref('stg_togetheros__initiatives') }}
),

final as (
    select
        source.allocation_id,
        cast(source.member_id as string) as member_id,
        source.target_type,
        source.target_id,
        coalesce(proposals.group_id, initiatives.group_id) as group_id,
        source.amount,
        source.status,
        source.created_at
    from source
    left join proposals on source.target_type = 'proposal' and source.target_id = proposals.proposal_id
    left join initiatives on source.target_type = 'initiative' and source.target_id = initiatives.initiative_id
    {{ latest_row('source.allocation_id', 'source.created_at desc') }}
)

select * from final
