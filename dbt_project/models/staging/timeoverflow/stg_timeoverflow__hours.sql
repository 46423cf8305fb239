-- Hours from report CSVs and plain hours files; provider and receiver are emails or handles,
-- kept only as keyed pseudonyms.
-- seconds are what the file says; exchanged_on is a date (the files carry no time).
with source as (
    select * from {{ source('timeoverflow', 'timeoverflow__hours') }}
),

final as (
    select
        exchange_id,
        -- the file's stem (hours_portland), as community/space_groups.csv names it
        {{ regex_replace_all('file_name', "'[.][^.]*$'", "''") }} as space_id,
        exchanged_on,
        {{ person_key('provider') }} as provider_key,
        {{ person_key('receiver') }} as receiver_key,
        provider like '%@%' as provider_is_email,
        receiver like '%@%' as receiver_is_email,
        seconds
    from source
    {{ latest_row('exchange_id', '_landing_sha256') }}
)

select * from final
