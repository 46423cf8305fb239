{# Small-cell suppression: a count of fewer than var('min_count') distinct people is published as
   NULL, never as its value; the row says it was suppressed. #}
{% macro suppressed_count(expr) -%}
    case when {{ expr }} >= {{ var('min_count') }} then {{ expr }} end
{%- endmacro %}

{% macro is_suppressed(expr) -%}
    ({{ expr }} < {{ var('min_count') }})
{%- endmacro %}
