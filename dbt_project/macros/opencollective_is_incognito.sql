{# Open Collective shows contributors who chose to stay anonymous as "Incognito". #}
{% macro opencollective_is_incognito() -%}
    (coalesce(source.opposite_account_name, '') ilike 'incognito'
        or coalesce(source.opposite_account_slug, '') ilike 'incognito%')
{%- endmacro %}
