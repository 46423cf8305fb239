-- Every public TogetherOS proposal with its current stage and group.
with proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

final as (
    select
        proposal_id,
        group_id,
        status as stage,
        {{ month_of('created_at') }} as created_month,
        {{ month_of('decided_at') }} as decided_month,
        decision_outcome
    from proposals
    where group_id is not null
)

select * from final
