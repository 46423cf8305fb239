-- One row per initiative for organizers: status, dates, milestones, and whether it is overdue or
-- stalled as of the latest day in the data (fct_initiatives holds the one definition), and a link to
-- the item in the system it came from. Initiatives are public acts of the community; no titles or free
-- text are published, and no link points at a person.
with initiatives as (
    select * from {{ ref('fct_initiatives') }}
),

final as (
    select
        cast(initiative_id as string) as initiative_id,
        cast(source as string) as source,
        cast(group_id as string) as group_id,
        cast(proposal_id as string) as proposal_id,
        cast(status as string) as status,
        cast(decided_on as date) as decided_on,
        cast(deadline as date) as deadline,
        cast(delivered_on as date) as delivered_on,
        cast(milestones_total as bigint) as milestones_total,
        cast(milestones_done as bigint) as milestones_done,
        cast(next_milestone_due as date) as next_milestone_due,
        cast(is_overdue as boolean) as is_overdue,
        cast(is_stalled as boolean) as is_stalled,
        cast(days_overdue as bigint) as days_overdue,
        cast(last_progress_on as date) as last_progress_on,
        cast(days_since_progress as bigint) as days_since_progress,
        cast(source_url as string) as source_url
    from initiatives
)

{{ select_with_group_names('final') }}
