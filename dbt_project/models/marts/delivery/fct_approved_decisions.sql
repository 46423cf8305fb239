-- Every approved decision (TogetherOS proposals approved or amended, Decidim proposals accepted) and
-- what became of it: delivered once every initiative carrying it out is delivered.
with togetheros_decisions as (
    select * from {{ ref('fct_proposal_decisions') }}
),

decidim_proposals as (
    select * from {{ ref('stg_decidim__proposals') }}
),

space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

initiatives as (
    select * from {{ ref('fct_initiatives') }}
),

decidim_approvals as (
    select outcome as state from {{ ref('proposal_outcomes') }}
    where source = 'decidim' and is_approved
),

decisions as (
    select
        proposal_id,
        'togetheros' as source,
        group_id,
        decision_outcome as outcome,
        cast(decided_at as date) as decided_on,
        cast(null as string) as source_url
    from togetheros_decisions
    where is_approved

    union all

    select
        'decidim-proposal-' || decidim_proposals.proposal_id as proposal_id,
        'decidim' as source,
        space_groups.group_id,
        decidim_proposals.state as outcome,
        cast(decidim_proposals.answered_at as date) as decided_on,
        decidim_proposals.url as source_url
    from decidim_proposals
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(decidim_proposals.component_id as string)
    inner join decidim_approvals on decidim_proposals.state = decidim_approvals.state
    where decidim_proposals.answered_at is not null
),

delivery as (
    select
        proposal_id,
        count(*) as initiatives,
        count_if(is_delivered) as initiatives_delivered,
        max(delivered_on) as delivered_on,
        max(deadline) as deadline,
        count_if(is_overdue) as initiatives_overdue,
        count_if(is_stalled) as initiatives_stalled,
        count(verified_on) as initiatives_verified,
        max(verified_on) as verified_on,
        sum(milestones_total) as milestones_total,
        sum(milestones_done) as milestones_done,
        {{ ordered_string_agg('initiative_id', "' '", 'initiative_id') }} as initiative_ids
    from initiatives
    group by all
),

final as (
    select
        decisions.proposal_id,
        decisions.source,
        decisions.group_id,
        decisions.outcome,
        decisions.decided_on,
        {{ month_of('decisions.decided_on') }} as decision_month,
        coalesce(delivery.initiatives, 0) as initiatives,
        coalesce(delivery.initiatives_overdue, 0) as initiatives_overdue,
        coalesce(delivery.initiatives_stalled, 0) as initiatives_stalled,
        coalesce(delivery.initiatives_delivered = delivery.initiatives, false) as is_delivered,
        case when delivery.initiatives_delivered = delivery.initiatives then delivery.delivered_on end
            as delivered_on,
        delivery.deadline,
        case when delivery.initiatives_verified = delivery.initiatives then delivery.verified_on end as verified_on,
        delivery.initiative_ids,
        coalesce(delivery.milestones_total, 0) as milestones_total,
        coalesce(delivery.milestones_done, 0) as milestones_done,
        decisions.source_url
    from decisions
    left join delivery on decisions.proposal_id = delivery.proposal_id
    where decisions.group_id is not null
)

select * from final
