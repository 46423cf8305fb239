{# The publishable category of a ledger account: its top two levels ("expenses:rent"), lower case.
   Second levels under liabilities and equity often name people (Liabilities:JaneDoe for a
   reimbursement), and any second level that repeats a payee of the same books may be a person:
   those keep only the top level. #}
{% macro treasury_ledger_category(account, second_level_is_payee) -%}
    lower(
        case
            when split_part({{ account }}, ':', 2) = ''
                or lower(split_part({{ account }}, ':', 1)) not in ('assets', 'income', 'revenue', 'expenses', 'expense')
                or {{ second_level_is_payee }}
                then split_part({{ account }}, ':', 1)
            else split_part({{ account }}, ':', 1) || ':' || trim(split_part({{ account }}, ':', 2))
        end
    )
{%- endmacro %}

{# Letters and digits only, lower case: "Jane Doe", "JaneDoe" and "jane-doe" compare equal. #}
{% macro treasury_name_fingerprint(expr) -%}
    {{ regex_replace_all('lower(coalesce(' ~ expr ~ ", ''))", '[^a-z0-9]', '') }}
{%- endmacro %}

{# A ratio of two integer sums as a fixed-decimal number, rounded half away from zero in exact
   integer arithmetic (decimal division in DuckDB goes through floating point, and 605/4000 must give
   0.1513 on every machine); empty when the denominator is not positive. #}
{% macro treasury_ratio(numerator, denominator, places) -%}
    case when {{ denominator }} > 0
        then cast(
            sign({{ numerator }}) * (
                {{ int_div(
                    '2 * abs(cast(' ~ numerator ~ ' as ' ~ type_wide_int() ~ ')) * ' ~ 10 ** places ~ ' + (' ~ denominator ~ ')',
                    '2 * cast(' ~ denominator ~ ' as ' ~ type_wide_int() ~ ')'
                ) }}
            ) as decimal(30, 0)
        ) * cast('{{ "%.*f" | format(places, 10 ** -places) }}' as decimal(18, {{ places }}))
    end
{%- endmacro %}
