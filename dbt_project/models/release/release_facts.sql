-- Facts about the data a release is built from, one row: what the release step reads besides the
-- published datasets, so that it reads nothing but the public schema. Not a dataset itself.
-- Each area's last-data date is the latest moment its facts record; a public dataset carries the date
-- of its area (the YAML file that documents it: models/public/_<area>.yml), so a page whose treasury
-- runs six months past the forum says so.
with events as (
    select * from {{ ref('int_activity_events') }}
),

areas as (
    select
        (select max(ts) from events) as participation_as_of,
        greatest(
            (
                select max(ts)
                from events
                where verb like 'proposal.%'
            ),
            (select max(decided_at) from {{ ref('fct_proposal_decisions') }})
        ) as governance_as_of,
        -- lateness is judged as of the activity data (macro delivery_as_of_date): so is the dataset
        (select max(ts) from events) as delivery_as_of,
        (select cast(max(booked_on) as timestamp) from {{ ref('fct_treasury_legs') }}) as treasury_as_of,
        (select max(exchanged_at) from {{ ref('fct_timebank_exchanges') }}) as timebank_as_of
),

final as (
    select
        greatest(participation_as_of, treasury_as_of, timebank_as_of) as data_as_of,
        participation_as_of,
        governance_as_of,
        delivery_as_of,
        treasury_as_of,
        timebank_as_of,
        greatest(treasury_as_of, timebank_as_of) as local_value_as_of
    from areas
)

select * from final
