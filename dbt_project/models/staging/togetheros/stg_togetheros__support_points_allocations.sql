with source as (
    select * from {{ source('togetheros', 'togetheros__support_points_allocations') }}
),

proposals as (
    select proposal_id, scope_id as group_id from {{ source('togetheros', 'togetheros__proposals') }}
),

final as (
    select
        source.allocation_id,
        cast(source.member_id as varchar) as member_id,
        source.target_type,
        source.target_id,
        proposals.group_id,
        source.amount,
        source.status,
        source.created_at
    from source
    left join proposals on source.target_type = 'proposal' and source.target_id = proposals.proposal_id
    {{ latest_row('source.allocation_id', 'source.created_at desc') }}
)

select * from final
