{# R3 of the LM3-style measure: local spending (R2) × the assumed local re-spend share, rounded to
   whole minor units (half away from zero). #}
{% macro local_value_r3(r2_minor, respend_share) -%}
    cast(round({{ r2_minor }} * {{ respend_share }}) as bigint)
{%- endmacro %}
