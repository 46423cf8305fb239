-- Every decided TogetherOS proposal with its final vote tally (each member's latest vote) and whether
-- it met the threshold: consent from more than half of all votes cast, and no block.
with proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

votes as (
    select * from {{ ref('stg_togetheros__proposal_votes') }}
),

outcomes as (
    select * from {{ ref('proposal_outcomes') }}
    where source = 'togetheros'
),

tallies as (
    select
        proposal_id,
        count(*) as votes_cast,
        count_if(vote_type = 'consent') as consents,
        count_if(vote_type = 'concern') as concerns,
        count_if(vote_type = 'abstain') as abstentions,
        count_if(vote_type = 'block') as blocks
    from votes
    group by all
),

final as (
    select
        proposals.proposal_id,
        proposals.group_id,
        proposals.decided_at,
        {{ month_of('proposals.decided_at') }} as decided_month,
        proposals.decision_outcome,
        outcomes.is_approved,
        coalesce(tallies.votes_cast, 0) as votes_cast,
        coalesce(tallies.consents, 0) as consents,
        coalesce(tallies.concerns, 0) as concerns,
        coalesce(tallies.abstentions, 0) as abstentions,
        coalesce(tallies.blocks, 0) as blocks,
        {{ governance_threshold_met('coalesce(tallies.consents, 0)', 'coalesce(tallies.votes_cast, 0)', 'coalesce(tallies.blocks, 0)') }}
            as is_threshold_met,
        coalesce(proposals.has_minority_report, false) as has_minority_report
    from proposals
    left join tallies on proposals.proposal_id = tallies.proposal_id
    left join outcomes on proposals.decision_outcome = outcomes.outcome
    where proposals.decided_at is not null and proposals.group_id is not null
)

select * from final
