{# int_activity_events month by month. Its rows are computed whole each build (they depend on
   every source, the groups and the members' linked accounts, so no input says which months changed), in
   a refresh into a temporary table; each row keeps its month's fingerprint (a hash of the month's rows,
   which the incremental models after it read instead of hashing 9.1M rows again), and a refresh deletes
   the months whose fingerprint differs (or that are gone) and appends them again. #}

{% macro activity_events_computed() -%}
    int_activity_events__computed
{%- endmacro %}

{# The computed rows' (month, month_fingerprint), kept in a refresh for the delete and the append: each
   is a hash over every row. #}
{% macro activity_months_computed() -%}
    int_activity_events__computed_months
{%- endmacro %}

{# (month, month_fingerprint) of the rows computed this build (in `relation`). #}
{% macro activity_month_fingerprints(relation) -%}
    select
        {{ month_of('computed_rows.ts') }} as month,
        hash(bit_xor({{ row_fingerprint('computed_rows') }}), count(*)) as month_fingerprint
    from {{ relation }} as computed_rows
    group by all
{%- endmacro %}

{# Delete the kept months whose rows changed: every month when the table was built before it kept
   fingerprints. #}
{% macro delete_changed_activity_months() -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if execute else ['month_fingerprint'] -%}
    {%- if 'month_fingerprint' not in built_columns -%}
    delete from {{ this }}
    {%- else -%}
    delete from {{ this }}
    where {{ month_of('ts') }} in (
        select built.month
        from (select distinct {{ month_of('ts') }} as month, month_fingerprint from {{ this }}) as built
        left join {{ activity_months_computed() }} as now on built.month = now.month
        where now.month_fingerprint is distinct from built.month_fingerprint
    )
    {%- endif -%}
{%- endmacro %}
