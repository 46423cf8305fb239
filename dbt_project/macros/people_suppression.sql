{# Primary and secondary suppression of distinct-people counts across the group hierarchy.
   `cells` is a relation with group_id, the period columns and `people`. Primary: a count below
   var('min_count') is withheld. Secondary: where a parent's count is published and exactly one of its
   children is withheld in the same period, the smallest published sibling (ties: lowest group_id) is
   withheld too, so the hidden count cannot be found by subtracting the others from the parent.
   `withheld_column`, if given, names a boolean column of cells withheld for another reason; they count
   as withheld by the primary rule. One pass is enough: each cell has one parent, so the sibling
   withheld by the secondary rule completes its own family and starts no other. #}
{% macro suppress_people_cells(cells, period_columns, withheld_column=none) -%}
    {%- set same_period -%}
        {%- for column in period_columns %} and child.{{ column }} = parent.{{ column }}{% endfor -%}
    {%- endset -%}
    {%- set child_periods -%}
        {%- for column in period_columns %}, child.{{ column }}{% endfor -%}
    {%- endset -%}
    with flagged as (
        select
            cells.*,
            groups.parent_id,
            cells.people < {{ var('min_count') }}
            {%- if withheld_column %} or cells.{{ withheld_column }}{% endif %} as is_primary
        from {{ cells }} as cells
        inner join {{ ref('int_group_list') }} as groups on cells.group_id = groups.group_id
    ),

    families as (
        select
            child.*,
            parent.is_primary as parent_is_primary,
            count_if(child.is_primary) over siblings as withheld_siblings,
            row_number() over (
                partition by child.parent_id{{ child_periods }}, child.is_primary
                order by child.people, child.group_id
            ) as rank_among_equals
        from flagged as child
        left join flagged as parent on child.parent_id = parent.group_id {{ same_period }}
        window siblings as (
            partition by child.parent_id{{ child_periods }}
        )
    )

    select
        {{ star_except(['parent_id', 'is_primary', 'parent_is_primary', 'withheld_siblings', 'rank_among_equals']) }},
        is_primary
            or (
                coalesce(parent_is_primary, true) = false
                and withheld_siblings = 1
                and rank_among_equals = 1
            ) as is_suppressed
    from families
{%- endmacro %}
