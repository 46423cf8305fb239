{# "Today" for overdue and stalled initiatives: the latest day the data covers, never the wall clock,
   so re-running a release on the same inputs gives the same answer. #}
{% macro delivery_as_of_date() -%}
    (select cast(max(ts) as date) from {{ ref('int_activity_events') }})
{%- endmacro %}

{# Late: done after its target date, or not done and the target date has passed (as of the data). #}
{% macro delivery_is_late(target_date, is_done, done_on) -%}
    coalesce(
        case
            when {{ is_done }} then {{ done_on }} > {{ target_date }}
            else {{ target_date }} < {{ delivery_as_of_date() }}
        end,
        false
    )
{%- endmacro %}
