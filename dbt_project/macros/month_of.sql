{% macro month_of(ts) -%}
    cast(date_trunc('month', {{ ts }}) as date)
{%- endmacro %}
