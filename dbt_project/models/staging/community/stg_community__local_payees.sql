with source as (
    select * from {{ source('community', 'community__local_payees') }}
),

final as (
    select
        lower(trim(counterparty)) as counterparty,
        bool_or(is_local) as is_local
    from source
    group by 1
)

select * from final
