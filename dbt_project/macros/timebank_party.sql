{# The pseudonymous member id of a time-bank party: the cross-source member when known, else a
   keyed pseudonym of the account in its own source (as int_activity_events does). #}
{% macro timebank_member_id(members_alias, source, source_user_id) -%}
    coalesce({{ members_alias }}.member_id, {{ member_id(source_account_key(source, source_user_id)) }})
{%- endmacro %}

{# TogetherOS fair-exchange bands (apps/web/.../fair-exchange-index/route.ts) of provided ÷ received;
   a member who received nothing has no index and is shown apart. #}
{% macro timebank_fair_exchange_band(provided, received) -%}
    case
        when {{ received }} = 0 then 'provided_only'
        when {{ provided }} >= 2.0 * {{ received }} then 'excellent'
        when {{ provided }} >= 1.0 * {{ received }} then 'good'
        when {{ provided }} >= 0.75 * {{ received }} then 'balanced'
        when {{ provided }} >= 0.5 * {{ received }} then 'warning'
        else 'critical'
    end
{%- endmacro %}

{# Buckets of a member's time balance (provided − received, seconds): never the balance itself. #}
{% macro timebank_balance_bucket(balance_seconds) -%}
    case
        when {{ balance_seconds }} < -36000 then 'owes_over_10h'
        when {{ balance_seconds }} < -7200 then 'owes_2h_to_10h'
        when {{ balance_seconds }} <= 7200 then 'within_2h'
        when {{ balance_seconds }} <= 36000 then 'owed_2h_to_10h'
        else 'owed_over_10h'
    end
{%- endmacro %}

{# Hours as a fixed decimal (2 places) from integer seconds, rounded in exact arithmetic. #}
{% macro timebank_hours(seconds) -%}
    {{ treasury_ratio(seconds, 3600, 2) }}
{%- endmacro %}
