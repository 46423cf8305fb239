-- Decisions per group (and every group below it) and month decided: how many, approved, meeting the
-- vote threshold, with at least one block, and with a minority report.
with decisions as (
    select * from {{ ref('fct_proposal_decisions') }}
),

groups as (
    select * from {{ ref('int_groups') }}
),

final as (
    select
        groups.ancestor_id as group_id,
        decisions.decided_month as month,
        count(*) as proposals_decided,
        count_if(decisions.is_approved) as proposals_approved,
        count_if(decisions.is_threshold_met) as proposals_threshold_met,
        count_if(decisions.blocks > 0) as proposals_with_blocks,
        count_if(decisions.has_minority_report) as proposals_with_minority_report
    from decisions
    inner join groups on decisions.group_id = groups.group_id
    group by all
)

select * from final
