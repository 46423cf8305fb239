{# SQL that DuckDB and Spark spell differently, where dbt's own cross-database macros (dbt.datediff,
   dbt.type_string, ...) have nothing: one DuckDB and one Spark implementation each. Several of these
   differ without an error on Spark (dbt-spark runs it with ANSI mode off): the tests/spark parity test
   compares every public dataset of both engines to catch them. #}

{# Integer division, truncated towards zero on both. #}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'togetheros')(numerator, denominator)) }}
{%- endmacro %}
{% macro duckdb__int_div(numerator, denominator) %}(({{ numerator }}) // ({{ denominator }})){% endmacro %}
{% macro spark__int_div(numerator, denominator) %}(({{ numerator }}) div ({{ denominator }})){% endmacro %}

{# An integer type wide enough for products of money amounts (past bigint). #}
{% macro type_wide_int() -%}
    {{ return(adapter.dispatch('type_wide_int', 'togetheros')()) }}
{%- endmacro %}
{% macro duckdb__type_wide_int() %}hugeint{% endmacro %}
{% macro spark__type_wide_int() %}decimal(38, 0){% endmacro %}

{# Every match of `pattern` replaced (Spark's regexp_replace has no flags: with 'g' it returns NULL). #}
{% macro regex_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'togetheros')(value, pattern, replacement)) }}
{%- endmacro %}
{% macro duckdb__regex_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__regex_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{# Whether `pattern` matches anywhere in `value`. #}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'togetheros')(value, pattern)) }}
{%- endmacro %}
{% macro duckdb__regex_matches(value, pattern) %}regexp_matches({{ value }}, {{ pattern }}){% endmacro %}
{% macro spark__regex_matches(value, pattern) %}({{ value }} rlike {{ pattern }}){% endmacro %}

{# A string cut at every `separator` (a plain character), as a list. #}
{% macro split_to_list(value, separator) -%}
    {{ return(adapter.dispatch('split_to_list', 'togetheros')(value, separator)) }}
{%- endmacro %}
{% macro duckdb__split_to_list(value, separator) %}string_split({{ value }}, {{ separator }}){% endmacro %}
{% macro spark__split_to_list(value, separator) %}split({{ value }}, concat('\\Q', {{ separator }}, '\\E')){% endmacro %}

{# The list's element at `position`, counted from 1 on both engines (Spark's [] counts from 0); NULL
   past the end. #}
{% macro list_element(list, position) -%}
    {{ return(adapter.dispatch('list_element', 'togetheros')(list, position)) }}
{%- endmacro %}
{% macro duckdb__list_element(list, position) %}{{ list }}[{{ position }}]{% endmacro %}
{% macro spark__list_element(list, position) %}try_element_at({{ list }}, {{ position }}){% endmacro %}

{# ISO day of the week: Monday 1 ... Sunday 7 (Spark's dayofweek counts Sunday 1, DuckDB's Sunday 0). #}
{% macro iso_day_of_week(day) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'togetheros')(day)) }}
{%- endmacro %}
{% macro duckdb__iso_day_of_week(day) %}isodow({{ day }}){% endmacro %}
{% macro spark__iso_day_of_week(day) %}extract(dayofweek_iso from {{ day }}){% endmacro %}

{# An integer fingerprint of a whole row of the relation alias `row` (its values in column order). #}
{% macro row_fingerprint(row) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'togetheros')(row)) }}
{%- endmacro %}
{% macro duckdb__row_fingerprint(row) %}hash({{ row }}){% endmacro %}
{% macro spark__row_fingerprint(row) %}xxhash64({{ row }}.*){% endmacro %}

{# The dates from `first` to `last` (both included) every `step` (an interval), one row each, as the
   select list item of a query (`select {{ date_series(...) }} as day`). #}
{% macro date_series(first, last, step) -%}
    {{ return(adapter.dispatch('date_series', 'togetheros')(first, last, step)) }}
{%- endmacro %}
{% macro duckdb__date_series(first, last, step) -%}
    cast(unnest(generate_series(cast({{ first }} as timestamp), cast({{ last }} as timestamp), {{ step }})) as date)
{%- endmacro %}
{% macro spark__date_series(first, last, step) -%}
    explode(sequence(cast({{ first }} as date), cast({{ last }} as date), {{ step }}))
{%- endmacro %}

{# Every column of the query's row but `columns` (a list of names): `select {{ star_except([...]) }}`. #}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'togetheros')(columns)) }}
{%- endmacro %}
{% macro duckdb__star_except(columns) %}* exclude ({{ columns | join(', ') }}){% endmacro %}
{% macro spark__star_except(columns) %}* except ({{ columns | join(', ') }}){% endmacro %}

{# Whether `value` begins with `prefix`. #}
{% macro starts_with(value, prefix) -%}
    {{ return(adapter.dispatch('starts_with', 'togetheros')(value, prefix)) }}
{%- endmacro %}
{% macro duckdb__starts_with(value, prefix) %}starts_with({{ value }}, {{ prefix }}){% endmacro %}
{% macro spark__starts_with(value, prefix) %}startswith({{ value }}, {{ prefix }}){% endmacro %}

{# "As of": each row of `wanted` (columns `keys` and `wanted_time`) with `value` from the latest row of
   `history` (columns `keys`, `history_time`, `value`) for the same keys at or before that time; rows
   with no such history row are left out (an inner as-of join). `value` is never NULL in `history`. #}
{% macro asof_value(wanted, history, keys, wanted_time, history_time, value) -%}
    {{ return(adapter.dispatch('asof_value', 'togetheros')(wanted, history, keys, wanted_time, history_time, value)) }}
{%- endmacro %}
{% macro duckdb__asof_value(wanted, history, keys, wanted_time, history_time, value) -%}
    select
        {%- for key in keys %}
        {{ wanted }}.{{ key }},
        {%- endfor %}
        {{ wanted }}.{{ wanted_time }},
        {{ history }}.{{ value }}
    from {{ wanted }}
    asof inner join {{ history }}
        on {% for key in keys %}{{ wanted }}.{{ key }} = {{ history }}.{{ key }} and {% endfor -%}
        {{ wanted }}.{{ wanted_time }} >= {{ history }}.{{ history_time }}
{%- endmacro %}
{# Spark has no as-of join: both in one time line per key, each wanted row taking the last value before it #}
{% macro spark__asof_value(wanted, history, keys, wanted_time, history_time, value) -%}
    select {{ keys | join(', ') }}, {{ wanted_time }}, {{ value }}
    from (
        select
            {{ keys | join(', ') }},
            {{ wanted_time }},
            is_wanted,
            last({{ value }}, true) over (
                partition by {{ keys | join(', ') }}
                order by {{ wanted_time }}, is_wanted
                rows between unbounded preceding and current row
            ) as {{ value }}
        from (
            select {{ keys | join(', ') }}, {{ wanted_time }}, null as {{ value }}, 1 as is_wanted
            from {{ wanted }}
            union all
            select {{ keys | join(', ') }}, {{ history_time }} as {{ wanted_time }}, {{ value }}, 0 as is_wanted
            from {{ history }}
        ) as time_line
    ) as looked_up
    where is_wanted = 1 and {{ value }} is not null
{%- endmacro %}
