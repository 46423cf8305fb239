{# The Spark side of dispatch.sql (what each macro means is written there). #}

{% macro spark__int_div(numerator, denominator) %}(({{ numerator }}) div ({{ denominator }})){% endmacro %}

{% macro spark__type_wide_int() %}decimal(38, 0){% endmacro %}

{% macro spark__regex_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{% macro spark__regex_matches(value, pattern) %}({{ value }} rlike {{ pattern }}){% endmacro %}

{% macro spark__split_to_list(value, separator) %}split({{ value }}, concat('\\Q', {{ separator }}, '\\E')){% endmacro %}

{% macro spark__list_element(list, position) %}try_element_at({{ list }}, {{ position }}){% endmacro %}

{% macro spark__iso_day_of_week(day) %}extract(dayofweek_iso from {{ day }}){% endmacro %}

{% macro spark__row_fingerprint(row) %}xxhash64({{ row }}.*){% endmacro %}

{% macro spark__date_series(first, last, step) -%}
    explode(sequence(cast({{ first }} as date), cast({{ last }} as date), {{ step }}))
{%- endmacro %}

{% macro spark__star_except(columns) %}* except ({{ columns | join(', ') }}){% endmacro %}

{% macro spark__starts_with(value, prefix) %}startswith({{ value }}, {{ prefix }}){% endmacro %}

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

{% macro spark__ordered_string_agg(value, separator, order_by) -%}
    listagg({{ value }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}
