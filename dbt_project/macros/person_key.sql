{# Keyed pseudonym of an email or handle, normalised first so the same person matches across sources. #}
{% macro person_key(expr) -%}
    pseudonym(nullif(lower(trim({{ expr }})), ''))
{%- endmacro %}
