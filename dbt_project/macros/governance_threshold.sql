{# The platform's threshold rule (packages/db/src/proposal-votes.ts): consent from more than half of all
   votes cast, and no block. The API's alternative (consent ≥ half of non-abstaining votes) is not used.
   The proposal lifecycle itself (stages in order, outcomes that approve) is the seeds proposal_stages
   and proposal_outcomes. #}
{% macro governance_threshold_met(consents, votes_cast, blocks) -%}
    (2 * ({{ consents }}) > ({{ votes_cast }}) and ({{ blocks }}) = 0)
{%- endmacro %}
