-- Initiatives: the work that carries out an approved proposal. Titles stay behind; dates are UTC.
with source as (
    select * from {{ source('togetheros', 'togetheros__initiatives') }}
),

final as (
    select
        initiative_id,
        proposal_id,
        group_id,
        status,
        deadline,
        created_at,
        started_at,
        delivered_at,
        verified_at
    from source
    {{ latest_row('initiative_id', 'greatest(created_at, started_at, delivered_at, verified_at) desc, _landing_sha256 desc') }}
)

select * from final
