{# Schemas are the stage names themselves (staging, intermediate, marts, public), not target_stage. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
