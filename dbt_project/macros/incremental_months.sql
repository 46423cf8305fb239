{# Month-by-month incremental models. A refresh rebuilds only the months from the earliest one whose
   inputs changed: every row keeps the fingerprint of what its month was built from (the input rows of
   that month, or the fingerprint of them the input keeps; whole small inputs such as the group
   hierarchy; and the model's own code), so new days, late or edited records, a regrouped city, a failed
   earlier run and a code change upstream or here all rebuild what differs, and nothing else.

   input: the model read month by month; input_time: its timestamp or month column;
   whole_inputs: models read whole; month_column: this model's own month (or date) column. #}

{% macro month_fingerprints(input, input_time, whole_inputs) -%}
    {#- an input that keeps a fingerprint of each month's rows (int_activity_events) is not hashed again #}
    {%- set input_columns = adapter.get_columns_in_relation(ref(input)) | map(attribute='name') | list
        if execute else [] -%}
    select
        {{ month_of(input_time) }} as month,
        hash(
            {%- if 'month_fingerprint' in input_columns %}
            max(input_rows.month_fingerprint),
            {%- else %}
            bit_xor({{ row_fingerprint('input_rows') }}),
            count(*),
            {%- endif %}
            {%- for name in whole_inputs %}
            (select bit_xor({{ row_fingerprint('whole_rows') }}) from {{ ref(name) }} as whole_rows),
            {%- endfor %}
            '{{ local_md5(model.raw_code) }}'
        ) as inputs_fingerprint
    from {{ ref(input) }} as input_rows
    group by all
{%- endmacro %}

{# The first day of the earliest month to rebuild: the earliest whose fingerprint differs, and at the
   latest the month after the last one built (so the pre-hook, which deletes from that month on, and the
   model, which runs after the deletion, agree even across months that hold no input rows); every month
   when the table was built before it kept fingerprints. #}
{% macro first_changed_month(input, input_time, whole_inputs, month_column) -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if execute else ['inputs_fingerprint'] -%}
    {%- if 'inputs_fingerprint' not in built_columns -%}
    date '0001-01-01'
    {%- else -%}
    (
        select least(
            coalesce(min(coalesce(now.month, built.month)), date '9999-12-01'),
            (
                select coalesce(cast(max({{ month_of(month_column) }}) + interval 1 month as date), date '0001-01-01')
                from {{ this }}
            )
        )
        from ({{ month_fingerprints(input, input_time, whole_inputs) }}) as now
        full join (
            select distinct {{ month_of(month_column) }} as month, built_rows.inputs_fingerprint
            from {{ this }} as built_rows
        ) as built on now.month = built.month
        where now.inputs_fingerprint is distinct from built.inputs_fingerprint
    )
    {%- endif -%}
{%- endmacro %}

{# The model's config: the months to rebuild are deleted first, then their rebuilt rows appended. On
   Spark, which deletes rows only from Delta or Iceberg tables (extra jars), the table is partitioned by
   the month column and the rebuilt rows overwrite their partitions (dynamic `insert_overwrite` on plain
   Parquet); a partition from the first changed month on that the rebuild no longer returns (its input
   rows were all removed) is kept there, where DuckDB deletes it: a `--full-refresh` clears it. #}
{% macro incremental_by_month(input, input_time, whole_inputs=[], month_column='month') -%}
    {%- if target.type == 'spark' -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=[month_column],
        file_format='parquet',
        on_schema_change='sync_all_columns'
    ) }}
    {%- else -%}
    {%- set changed = "first_changed_month('" ~ input ~ "', '" ~ input_time ~ "', " ~ whole_inputs ~ ", '"
        ~ month_column ~ "')" -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where " ~ month_of(month_column)
            ~ " >= {{ " ~ changed ~ " }}{% endif %}"
    ) }}
    {%- endif -%}
{%- endmacro %}

{# The input rows of the months to rebuild (every row in a whole build). #}
{% macro input_rows_to_rebuild(input, input_time, whole_inputs=[], month_column='month') -%}
    select * from {{ ref(input) }}
    {%- if is_incremental() %}
    where {{ input_time }} >= {{ first_changed_month(input, input_time, whole_inputs, month_column) }}
    {%- endif %}
{%- endmacro %}

{# This model's rows kept from its last build: on DuckDB the pre-hook deleted the months to rebuild; on
   Spark they are there until their partitions are overwritten, so they are left out here. #}
{% macro kept_rows(input, input_time, whole_inputs=[], month_column='month') -%}
    {%- if target.type == 'spark' -%}
    (
        select * from {{ this }}
        where {{ month_column }} < {{ first_changed_month(input, input_time, whole_inputs, month_column) }}
    ) as kept_rows
    {%- else -%}
    {{ this }}
    {%- endif -%}
{%- endmacro %}
