{# SQL that DuckDB and Spark spell differently, where dbt's own cross-database macros (dbt.datediff,
   dbt.type_string, ...) have nothing: one DuckDB and one Spark implementation each. Several of these
   differ without an error on Spark (dbt-spark runs it with ANSI mode off): the tests/spark parity test
   compares every public dataset of both engines to catch them. #}

{# Integer division, truncated towards zero on both. #}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'togetheros')(numerator, denominator)) }}
{%- endmacro %}

{# An integer type wide enough for products of money amounts (past bigint). #}
{% macro type_wide_int() -%}
    {{ return(adapter.dispatch('type_wide_int', 'togetheros')()) }}
{%- endmacro %}

{# Every match of `pattern` replaced (Spark's regexp_replace has no flags: with 'g' it returns NULL). #}
{% macro regex_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'togetheros')(value, pattern, replacement)) }}
{%- endmacro %}

{# Whether `pattern` matches anywhere in `value`. #}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'togetheros')(value, pattern)) }}
{%- endmacro %}

{# A string cut at every `separator` (a plain character), as a list. #}
{% macro split_to_list(value, separator) -%}
    {{ return(adapter.dispatch('split_to_list', 'togetheros')(value, separator)) }}
{%- endmacro %}

{# The list's element at `position`, counted from 1 on both engines (Spark's [] counts from 0); NULL
   past the end. #}
{% macro list_element(list, position) -%}
    {{ return(adapter.dispatch('list_element', 'togetheros')(list, position)) }}
{%- endmacro %}

{# ISO day of the week: Monday 1 ... Sunday 7 (Spark's dayofweek counts Sunday 1, DuckDB's Sunday 0). #}
{% macro iso_day_of_week(day) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'togetheros')(day)) }}
{%- endmacro %}

{# An integer fingerprint of a whole row of the relation alias `row` (its values in column order). #}
{% macro row_fingerprint(row) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'togetheros')(row)) }}
{%- endmacro %}

{# The dates from `first` to `last` (both included) every `step` (an interval), one row each, as the
   select list item of a query (`select {{ date_series(...) }} as day`). #}
{% macro date_series(first, last, step) -%}
    {{ return(adapter.dispatch('date_series', 'togetheros')(first, last, step)) }}
{%- endmacro %}

{# Every column of the query's row but `columns` (a list of names): `select {{ star_except([...]) }}`. #}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'togetheros')(columns)) }}
{%- endmacro %}

{# Whether `value` begins with `prefix`. #}
{% macro starts_with(value, prefix) -%}
    {{ return(adapter.dispatch('starts_with', 'togetheros')(value, prefix)) }}
{%- endmacro %}

{# "As of": each row of `wanted` (columns `keys` and `wanted_time`) with `value` from the latest row of
   `history` (columns `keys`, `history_time`, `value`) for the same keys at or before that time; rows
   with no such history row are left out (an inner as-of join). `value` is never NULL in `history`. #}
{% macro asof_value(wanted, history, keys, wanted_time, history_time, value) -%}
    {{ return(adapter.dispatch('asof_value', 'togetheros')(wanted, history, keys, wanted_time, history_time, value)) }}
{%- endmacro %}

{# The values joined by `separator` in the order of `order_by` (dbt.listagg drops the order on Spark). #}
{% macro ordered_string_agg(value, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'togetheros')(value, separator, order_by)) }}
{%- endmacro %}
