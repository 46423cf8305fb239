{# The TogetherOS proposal lifecycle in order; the funnel follows the stages up to review. #}
{% macro governance_funnel_stages() -%}
    {{ return(['draft', 'research', 'deliberation', 'voting', 'decided', 'delivery', 'reviewed']) }}
{%- endmacro %}

{% macro governance_stage_order(stage) -%}
    case {{ stage }}
    {%- for name in governance_funnel_stages() %}
        when '{{ name }}' then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{# The platform's threshold rule (packages/db/src/proposal-votes.ts): consent from more than half of all
   votes cast, and no block. The API's alternative (consent ≥ half of non-abstaining votes) is not used. #}
{% macro governance_threshold_met(consents, votes_cast, blocks) -%}
    (2 * ({{ consents }}) > ({{ votes_cast }}) and ({{ blocks }}) = 0)
{%- endmacro %}
