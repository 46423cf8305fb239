-- Which TogetherOS group each external space (forum category, Decidim component, collective,
-- ledger, time bank) belongs to.
with source as (
    select * from {{ source('community', 'community__space_groups') }}
),

final as (
    select distinct
        source,
        cast(space_id as {{ dbt.type_string() }}) as space_id,
        group_id
    from source
)

select * from final
