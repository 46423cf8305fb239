{# Every public dataset that carries a group id carries the group's name and level beside it, so a CSV
   reads without a lookup: `select * from final` becomes `{{ select_with_group_names('final') }}`. The
   contract in the model's YAML orders the columns (group_name and group_level after group_id). #}
{% macro select_with_group_names(relation) -%}
    select
        {{ relation }}.*,
        cast(group_names.name as string) as group_name,
        cast(group_names.level as string) as group_level
    from {{ relation }}
    left join {{ ref('int_group_list') }} as group_names on {{ relation }}.group_id = group_names.group_id
{%- endmacro %}
