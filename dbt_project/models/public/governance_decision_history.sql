-- One row per decided proposal: TogetherOS proposals (every outcome) and accepted Decidim proposals.
-- Its stage dates, vote tally (withheld below var('min_count') voters), threshold, whether a minority
-- report exists, and what it led to (fct_approved_decisions). No person, no free text.
with togetheros_decisions as (
    select * from {{ ref('fct_proposal_decisions') }}
),

approved as (
    select * from {{ ref('fct_approved_decisions') }}
),

stages as (
    select * from {{ ref('fct_proposal_stages') }}
),

stage_dates as (
    select
        proposal_id,
        cast(min(entered_at) filter (where stage = 'draft') as date) as draft_on,
        cast(min(entered_at) filter (where stage = 'research') as date) as research_on,
        cast(min(entered_at) filter (where stage = 'deliberation') as date) as deliberation_on,
        cast(min(entered_at) filter (where stage = 'voting') as date) as voting_on,
        cast(min(entered_at) filter (where stage = 'delivery') as date) as delivery_on,
        cast(min(entered_at) filter (where stage = 'reviewed') as date) as reviewed_on
    from stages
    group by all
),

decisions as (
    select
        proposal_id,
        'togetheros' as source,
        group_id,
        decision_outcome as outcome,
        coalesce(is_approved, false) as is_approved,
        cast(decided_at as date) as decided_on,
        decided_month as decision_month,
        votes_cast,
        consents,
        concerns,
        abstentions,
        blocks,
        {{ is_suppressed('votes_cast') }} as is_suppressed,
        is_threshold_met,
        has_minority_report
    from togetheros_decisions

    union all

    -- Decidim publishes no vote tally, threshold or minority report
    select
        proposal_id,
        source,
        group_id,
        outcome,
        true as is_approved,
        decided_on,
        decision_month,
        null as votes_cast,
        null as consents,
        null as concerns,
        null as abstentions,
        null as blocks,
        false as is_suppressed,
        null as is_threshold_met,
        null as has_minority_report
    from approved
    where source = 'decidim'
),

final as (
    select
        cast(decisions.proposal_id as string) as proposal_id,
        cast(decisions.source as string) as source,
        cast(decisions.group_id as string) as group_id,
        cast(decisions.outcome as string) as outcome,
        cast(decisions.is_approved as boolean) as is_approved,
        cast(stage_dates.draft_on as date) as draft_on,
        cast(stage_dates.research_on as date) as research_on,
        cast(stage_dates.deliberation_on as date) as deliberation_on,
        cast(stage_dates.voting_on as date) as voting_on,
        cast(decisions.decided_on as date) as decided_on,
        cast(decisions.decision_month as date) as decision_month,
        cast(stage_dates.delivery_on as date) as delivery_on,
        cast(stage_dates.reviewed_on as date) as reviewed_on,
        cast(case when not decisions.is_suppressed then decisions.votes_cast end as bigint) as votes_cast,
        cast(case when not decisions.is_suppressed then decisions.consents end as bigint) as consents,
        cast(case when not decisions.is_suppressed then decisions.concerns end as bigint) as concerns,
        cast(case when not decisions.is_suppressed then decisions.abstentions end as bigint) as abstentions,
        cast(case when not decisions.is_suppressed then decisions.blocks end as bigint) as blocks,
        cast(decisions.is_suppressed as boolean) as is_suppressed,
        cast(decisions.is_threshold_met as boolean) as is_threshold_met,
        cast(decisions.has_minority_report as boolean) as has_minority_report,
        cast(coalesce(approved.initiatives, 0) as bigint) as initiatives,
        cast(approved.initiative_ids as string) as initiative_ids,
        cast(coalesce(approved.milestones_total, 0) as bigint) as milestones_total,
        cast(coalesce(approved.milestones_done, 0) as bigint) as milestones_done,
        cast(coalesce(approved.initiatives_overdue, 0) as bigint) as initiatives_overdue,
        cast(coalesce(approved.initiatives_stalled, 0) as bigint) as initiatives_stalled,
        cast(coalesce(approved.is_delivered, false) as boolean) as is_delivered,
        cast(approved.deadline as date) as deadline,
        cast(approved.delivered_on as date) as delivered_on,
        cast(approved.verified_on as date) as verified_on,
        -- TogetherOS exports carry no address: the instance's (var togetheros_url) and the proposal's id;
        -- a Decidim proposal's is its export's `url`
        cast(
            case
                when decisions.source = 'togetheros'
                    then nullif('{{ var("togetheros_url", "") }}', '') || '/proposals/' || decisions.proposal_id
                else approved.source_url
            end as string
        ) as source_url
    from decisions
    left join approved on decisions.proposal_id = approved.proposal_id
    left join stage_dates on decisions.proposal_id = stage_dates.proposal_id
)

{{ select_with_group_names('final') }}
