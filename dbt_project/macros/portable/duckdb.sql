{# The DuckDB side of dispatch.sql (what each macro means is written there). #}

{% macro duckdb__int_div(numerator, denominator) %}(({{ numerator }}) // ({{ denominator }})){% endmacro %}

{% macro duckdb__type_wide_int() %}hugeint{% endmacro %}

{% macro duckdb__regex_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro duckdb__regex_matches(value, pattern) %}regexp_matches({{ value }}, {{ pattern }}){% endmacro %}

{% macro duckdb__split_to_list(value, separator) %}string_split({{ value }}, {{ separator }}){% endmacro %}

{% macro duckdb__list_element(list, position) %}{{ list }}[{{ position }}]{% endmacro %}

{% macro duckdb__iso_day_of_week(day) %}isodow({{ day }}){% endmacro %}

{% macro duckdb__row_fingerprint(row) %}hash({{ row }}){% endmacro %}

{% macro duckdb__date_series(first, last, step) -%}
    cast(unnest(generate_series(cast({{ first }} as timestamp), cast({{ last }} as timestamp), {{ step }})) as date)
{%- endmacro %}

{% macro duckdb__star_except(columns) %}* exclude ({{ columns | join(', ') }}){% endmacro %}

{% macro duckdb__starts_with(value, prefix) %}starts_with({{ value }}, {{ prefix }}){% endmacro %}

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

{% macro duckdb__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}
