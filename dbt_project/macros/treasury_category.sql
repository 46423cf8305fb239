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
    regexp_replace(lower(coalesce({{ expr }}, '')), '[^a-z0-9]', '', 'g')
{%- endmacro %}

{# A ratio of two integer sums as a fixed-decimal number, rounded half away from zero in exact
   integer arithmetic (decimal division in DuckDB goes through floating point, and 605/4000 must give
   0.1513 on every machine); empty when the denominator is not positive. #}
{% macro treasury_ratio(numerator, denominator, places) -%}
    case when {{ denominator }} > 0
        then cast(
            sign({{ numerator }}) * (
                (2 * abs(cast({{ numerator }} as hugeint)) * {{ 10 ** places }} + ({{ denominator }}))
                // (2 * cast({{ denominator }} as hugeint))
            ) as decimal(30, 0)
        ) * cast('{{ "%.*f" | format(places, 10 ** -places) }}' as decimal(18, {{ places }}))
    end
{%- endmacro %}

{# A fee account (bank fees, processing fees, charges, commissions) by the full account name, any
   level: `Expenses:Bank Fees`, `Expenses:Administrative:BankFee`, `expenses:stripe-fees`, but not
   `Expenses:Coffee` or `Expenses:Feeding`. Fees *paid* are on expense accounts; the same words under
   income or revenue are fee *income* (fees the community charges) and stay income. #}
{% macro treasury_is_fee_account(account) -%}
    (
        lower(split_part({{ account }}, ':', 1)) in ('expenses', 'expense')
        and regexp_matches(
            {{ account }},
            '(^|[^A-Za-z])([Ff]ees?|FEES?|[Cc]harges?|CHARGES?|[Cc]ommissions?)([^a-z]|$)|[a-z](Fees?|Charges?|Commissions?)([^a-z]|$)'
        )
    )
{%- endmacro %}

{# Words that mark an opening balance or a closing entry, in a transaction's description or its
   equity account (lower case): "Opening Balance", "equity:opening-balances", "closing balances",
   "carried forward", "retained earnings". #}
{% macro treasury_balance_entry_words() -%}
    (opening|closing|open|close|carried forward|brought forward|retained)
{%- endmacro %}
