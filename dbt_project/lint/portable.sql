{# For sqlfluff only (.sqlfluff loads it in place of macros/portable/dispatch.sql, as it has no dbt
   adapter): each portable macro as its DuckDB implementation, the dialect the models are linted in. #}

{% macro int_div(numerator, denominator) %}{{ duckdb__int_div(numerator, denominator) }}{% endmacro %}
{% macro type_wide_int() %}{{ duckdb__type_wide_int() }}{% endmacro %}
{% macro regex_replace_all(value, pattern, replacement) %}{{ duckdb__regex_replace_all(value, pattern, replacement) }}{% endmacro %}
{% macro regex_matches(value, pattern) %}{{ duckdb__regex_matches(value, pattern) }}{% endmacro %}
{% macro split_to_list(value, separator) %}{{ duckdb__split_to_list(value, separator) }}{% endmacro %}
{% macro list_element(list, position) %}{{ duckdb__list_element(list, position) }}{% endmacro %}
{% macro iso_day_of_week(day) %}{{ duckdb__iso_day_of_week(day) }}{% endmacro %}
{% macro row_fingerprint(row) %}{{ duckdb__row_fingerprint(row) }}{% endmacro %}
{% macro date_series(first, last, step) %}{{ duckdb__date_series(first, last, step) }}{% endmacro %}
{% macro star_except(columns) %}{{ duckdb__star_except(columns) }}{% endmacro %}
{% macro starts_with(value, prefix) %}{{ duckdb__starts_with(value, prefix) }}{% endmacro %}
{% macro asof_value(wanted, history, keys, wanted_time, history_time, value) %}{{ duckdb__asof_value(wanted, history, keys, wanted_time, history_time, value) }}{% endmacro %}
{% macro ordered_string_agg(value, separator, order_by) %}{{ duckdb__ordered_string_agg(value, separator, order_by) }}{% endmacro %}
