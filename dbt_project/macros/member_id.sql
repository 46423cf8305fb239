{# Public member id from a person key (already a keyed pseudonym). #}
{% macro member_id(person_key) -%}
    'm_' || substr({{ person_key }}, 1, 20)
{%- endmacro %}

{# The person key of an account known only inside one source. #}
{% macro source_account_key(source, source_user_id) -%}
    pseudonym({{ source }} || ':' || {{ source_user_id }})
{%- endmacro %}
