-- Forum responsiveness per group and month a topic opened (TogetherOS forum and Discourse together).
with responses as (
    select * from {{ ref('mart_first_response') }}
),

final as (
    select
        cast(group_id as string) as group_id,
        cast(month as date) as month,
        cast(topics_opened as bigint) as topics_opened,
        cast(topics_answered as bigint) as topics_answered,
        cast(median_hours_to_first_response as decimal(10, 1)) as median_hours_to_first_response
    from responses
)

{{ select_with_group_names('final') }}
