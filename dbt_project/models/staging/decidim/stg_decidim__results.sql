-- Accountability results: what an accepted Decidim proposal turned into, with its progress. A result
-- with a parent is a step (milestone) of that parent. Titles and descriptions stay behind.
with source as (
    select * from {{ source('decidim', 'decidim__results') }}
),

final as (
    select
        result_id,
        parent_id,
        component_id,
        status_key,
        cast(round(progress) as integer) as progress_pct,
        start_date,
        end_date,
        url,
        {{ split_to_list('proposal_ids', "','") }} as proposal_ids,
        created_at,
        updated_at
    from source
    {{ latest_row('result_id', 'updated_at desc nulls last, _landing_sha256 desc') }}
)

select * from final
