-- Milestone timeline of every published initiative, for a Gantt chart.
with milestones as (
    select * from {{ ref('fct_milestones') }}
),

initiatives as (
    select initiative_id, group_id from {{ ref('fct_initiatives') }}
),

final as (
    select
        cast(milestones.milestone_id as string) as milestone_id,
        cast(milestones.initiative_id as string) as initiative_id,
        cast(initiatives.group_id as string) as group_id,
        cast(milestones.target_date as date) as target_date,
        cast(milestones.completed_on as date) as completed_on,
        cast(milestones.is_late as boolean) as is_late
    from milestones
    inner join initiatives on milestones.initiative_id = initiatives.initiative_id
)

{{ select_with_group_names('final') }}
