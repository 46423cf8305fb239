{# Where a parent's count is published and exactly one of its children is withheld in the same cell,
   the parent minus the published children would give the withheld count away: one more sibling must
   be withheld (macro suppress_people_cells). #}
{% test no_lone_withheld_sibling(model, cell_columns) %}
with cells as (
    select
        cells.*,
        groups.parent_id
    from {{ model }} as cells
    inner join {{ ref('int_group_list') }} as groups on cells.group_id = groups.group_id
)

select
    parent.group_id,
    {%- for column in cell_columns %}
    parent.{{ column }},
    {%- endfor %}
    count_if(child.is_suppressed) as withheld_children
from cells as parent
inner join cells as child
    on child.parent_id = parent.group_id
    {%- for column in cell_columns %}
    and child.{{ column }} = parent.{{ column }}
    {%- endfor %}
where not parent.is_suppressed
group by all
having count_if(child.is_suppressed) = 1 and count_if(not child.is_suppressed) > 0
{% endtest %}
