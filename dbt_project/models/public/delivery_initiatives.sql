-- One row per initiative for organizers: status, dates, milestones, and whether it is overdue or
-- stalled as of the latest day in the data. Initiatives are public acts of the community; no titles
-- or free text are published.
with initiatives as (
    select * from {{ ref('fct_initiatives') }}
),

final as (
    select
        cast(initiative_id as varchar) as initiative_id,
        cast(source as varchar) as source,
        cast(group_id as varchar) as group_id,
        cast(proposal_id as varchar) as proposal_id,
        cast(status as varchar) as status,
        cast(decided_on as date) as decided_on,
        cast(deadline as date) as deadline,
        cast(delivered_on as date) as delivered_on,
        cast(milestones_total as bigint) as milestones_total,
        cast(milestones_done as bigint) as milestones_done,
        cast(next_milestone_due as date) as next_milestone_due,
        cast(is_overdue as boolean) as is_overdue,
        cast(is_stalled as boolean) as is_stalled
    from initiatives
)

{{ select_with_group_names('final') }}
