-- Every initiative carrying out a decision: TogetherOS initiatives (linked to their proposal) and
-- top-level Decidim accountability results (linked to the accepted proposal), with their dates,
-- milestones and whether, as of the latest day in the data, they are overdue or stalled.
with togetheros_initiatives as (
    select * from {{ ref('stg_togetheros__initiatives') }}
),

togetheros_proposals as (
    select * from {{ ref('stg_togetheros__proposals') }}
),

decidim_results as (
    select * from {{ ref('stg_decidim__results') }}
),

decidim_proposals as (
    select * from {{ ref('stg_decidim__proposals') }}
),

space_groups as (
    select * from {{ ref('stg_community__space_groups') }}
),

milestones as (
    select * from {{ ref('fct_milestones') }}
),

togetheros as (
    select
        togetheros_initiatives.initiative_id,
        'togetheros' as source,
        togetheros_initiatives.group_id,
        togetheros_initiatives.proposal_id,
        togetheros_initiatives.status,
        cast(togetheros_proposals.decided_at as date) as decided_on,
        togetheros_initiatives.deadline,
        cast(coalesce(togetheros_initiatives.delivered_at, togetheros_initiatives.verified_at) as date)
            as delivered_on,
        cast(togetheros_initiatives.verified_at as date) as verified_on,
        cast(
            greatest(
                togetheros_initiatives.created_at,
                togetheros_initiatives.started_at,
                togetheros_initiatives.delivered_at,
                togetheros_initiatives.verified_at
            ) as date
        ) as last_status_change_on,
        -- TogetherOS exports carry no address: the instance's (var togetheros_url) and the item's id
        nullif('{{ var("togetheros_url", "") }}', '') || '/initiatives/' || togetheros_initiatives.initiative_id
            as source_url
    from togetheros_initiatives
    left join togetheros_proposals on togetheros_initiatives.proposal_id = togetheros_proposals.proposal_id
),

decidim as (
    select
        'decidim-result-' || decidim_results.result_id as initiative_id,
        'decidim' as source,
        space_groups.group_id,
        'decidim-proposal-' || {{ list_element('decidim_results.proposal_ids', 1) }} as proposal_id,
        decidim_results.status_key as status,
        cast(decidim_proposals.answered_at as date) as decided_on,
        decidim_results.end_date as deadline,
        case when decidim_results.progress_pct >= 100 then cast(decidim_results.updated_at as date) end
            as delivered_on,
        -- Decidim publishes no verification of a result
        cast(null as date) as verified_on,
        cast(decidim_results.updated_at as date) as last_status_change_on,
        decidim_results.url as source_url
    from decidim_results
    inner join space_groups
        on space_groups.source = 'decidim' and space_groups.space_id = cast(decidim_results.component_id as string)
    left join decidim_proposals
        on cast(decidim_proposals.proposal_id as string) = {{ list_element('decidim_results.proposal_ids', 1) }}
    where decidim_results.parent_id is null
),

initiatives as (
    select * from togetheros
    union all
    select * from decidim
),

milestone_summary as (
    select
        initiative_id,
        count(*) as milestones_total,
        count_if(is_completed) as milestones_done,
        min(target_date) filter (where not is_completed) as next_milestone_due,
        max(completed_on) as last_milestone_done_on
    from milestones
    group by all
),

progress as (
    select
        initiatives.*,
        coalesce(milestone_summary.milestones_total, 0) as milestones_total,
        coalesce(milestone_summary.milestones_done, 0) as milestones_done,
        milestone_summary.next_milestone_due,
        -- the latest status change or milestone completion: what "stalled" measures from
        greatest(initiatives.last_status_change_on, milestone_summary.last_milestone_done_on) as last_progress_on,
        {{ delivery_as_of_date() }} as as_of_day
    from initiatives
    left join milestone_summary on initiatives.initiative_id = milestone_summary.initiative_id
    where initiatives.group_id is not null
),

-- the one definition of overdue and stalled, as of the latest day in the data (never the wall clock)
final as (
    select
        {{ star_except(['as_of_day']) }},
        delivered_on is not null as is_delivered,
        delivered_on is null and coalesce(deadline < as_of_day, false) as is_overdue,
        delivered_on is null
            and {{ dbt.datediff('last_progress_on', 'as_of_day', 'day') }} >= {{ var('stalled_after_days', 60) }} as is_stalled,
        case when delivered_on is null and deadline < as_of_day then {{ dbt.datediff('deadline', 'as_of_day', 'day') }} end
            as days_overdue,
        case when delivered_on is null then {{ dbt.datediff('last_progress_on', 'as_of_day', 'day') }} end as days_since_progress
    from progress
)

select * from final
