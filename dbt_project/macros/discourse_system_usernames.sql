{# Discourse's built-in accounts by name, for a forum whose import gave them positive ids
   (docs/methodology/participation.md, "Accounts that are not members"). #}
{% macro discourse_system_usernames() -%}
    'system', 'discobot'
{%- endmacro %}
