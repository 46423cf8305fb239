-- Every move of a proposal from one stage to the next, for proposals that were not deleted (a deleted
-- proposal leaves every public count, its history too). A change exported twice appears once.
with changes as (
    select * from {{ source('togetheros', 'togetheros__proposal_status_changes') }}
),

proposals as (
    select proposal_id from {{ ref('stg_togetheros__proposals') }}
),

final as (
    select distinct
        changes.proposal_id,
        changes.from_status,
        changes.to_status,
        changes.changed_at
    from changes
    inner join proposals on changes.proposal_id = proposals.proposal_id
)

select * from final
