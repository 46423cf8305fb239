-- Decisions per group and month decided: outcomes, vote threshold, blocks and minority reports.
with decisions as (
    select * from {{ ref('mart_decisions_monthly') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(proposals_decided as bigint) as proposals_decided,
        cast(proposals_approved as bigint) as proposals_approved,
        cast(proposals_threshold_met as bigint) as proposals_threshold_met,
        cast(proposals_with_blocks as bigint) as proposals_with_blocks,
        cast(proposals_with_minority_report as bigint) as proposals_with_minority_report
    from decisions
)

{{ select_with_group_names('final') }}
