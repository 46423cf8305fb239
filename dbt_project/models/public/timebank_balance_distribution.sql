with buckets as (
    select * from {{ ref('mart_timebank_balance_distribution') }}
),

final as (
    select
        cast(group_id as varchar) as group_id,
        cast(balance_bucket as varchar) as balance_bucket,
        cast({{ suppressed_count('members') }} as bigint) as members,
        {{ is_suppressed('members') }} as is_suppressed
    from buckets
)

{{ select_with_group_names('final') }}
