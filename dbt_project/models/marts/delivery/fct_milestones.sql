-- Every milestone of an initiative: TogetherOS milestones, and the child results of a Decidim result
-- (Decidim's steps of a larger result). A Decidim step counts as completed at 100% progress; its
-- completion date is its last update, the closest date Decidim publishes.
with togetheros as (
    select
        milestone_id,
        initiative_id,
        target_date,
        is_completed,
        cast(completed_at as date) as completed_on
    from {{ ref('stg_togetheros__milestones') }}
),

decidim as (
    select
        'decidim-result-' || result_id as milestone_id,
        'decidim-result-' || parent_id as initiative_id,
        end_date as target_date,
        progress_pct >= 100 as is_completed,
        case when progress_pct >= 100 then cast(updated_at as date) end as completed_on
    from {{ ref('stg_decidim__results') }}
    where parent_id is not null
),

milestones as (
    select * from togetheros
    union all
    select * from decidim
),

final as (
    select
        *,
        {{ delivery_is_late('target_date', 'is_completed', 'completed_on') }} as is_late
    from milestones
)

select * from final
