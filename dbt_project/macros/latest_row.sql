{# Keep one row per key: the newest version (edited records appear again in later pages and exports). #}
{% macro latest_row(key, order_by) -%}
    qualify row_number() over (partition by {{ key }} order by {{ order_by }}) = 1
{%- endmacro %}
