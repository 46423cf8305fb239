{# The root of a ledger account, lower case: one of the five bookkeeping roots (and their common
   variants revenue, expense), or 'other' for any other first level, which may be a name. #}
{% macro treasury_ledger_root(account) -%}
    case
        when lower(trim(split_part({{ account }}, ':', 1)))
            in ('assets', 'liabilities', 'equity', 'income', 'revenue', 'expenses', 'expense')
            then lower(trim(split_part({{ account }}, ':', 1)))
        else 'other'
    end
{%- endmacro %}

{# The publishable category of a ledger account ("expenses:rent"), lower case. Only levels that cannot
   name a person are kept: the root (treasury_ledger_root), and under assets, income and expenses a
   second level that is a listed bookkeeping category (seed ledger_account_categories). Every other
   level is withheld (Expenses:JaneDoe, Liabilities:Reimbursement:Jane keep only their root); the
   privacy gate searches each release for the withheld levels. #}
{% macro treasury_ledger_category(account, second_level_is_category) -%}
    case
        when {{ second_level_is_category }}
            and {{ treasury_ledger_root(account) }} in ('assets', 'income', 'revenue', 'expenses', 'expense')
            then {{ treasury_ledger_root(account) }} || ':' || lower(trim(split_part({{ account }}, ':', 2)))
        else {{ treasury_ledger_root(account) }}
    end
{%- endmacro %}

{# Letters and digits only, lower case: "Jane Doe", "JaneDoe" and "jane-doe" compare equal. #}
{% macro treasury_name_fingerprint(expr) -%}
    {{ regex_replace_all("lower(coalesce(" ~ expr ~ ", ''))", "'[^a-z0-9]'", "''") }}
{%- endmacro %}

{# A ratio of two integer sums as a fixed-decimal number, rounded half away from zero in exact
   integer arithmetic (decimal division in DuckDB goes through floating point, and 605/4000 must give
   0.1513 on every machine); empty when the denominator is not positive. #}
{% macro treasury_ratio(numerator, denominator, places) -%}
    case when {{ denominator }} > 0
        then cast(
            (case when {{ numerator }} < 0 then -1 else 1 end) * {{ int_div(
                "2 * abs(cast(" ~ numerator ~ " as " ~ type_wide_int() ~ ")) * " ~ 10 ** places ~ " + (" ~ denominator ~ ")",
                "2 * cast(" ~ denominator ~ " as " ~ type_wide_int() ~ ")"
            ) }} as decimal(30, 0)
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
        and {{ regex_matches(
            account,
            "'(^|[^A-Za-z])([Ff]ees?|FEES?|[Cc]harges?|CHARGES?|[Cc]ommissions?)([^a-z]|$)|[a-z](Fees?|Charges?|Commissions?)([^a-z]|$)'"
        ) }}
    )
{%- endmacro %}

{# Words that mark an opening balance or a closing entry, in a transaction's description or its
   equity account (lower case): "Opening Balance", "equity:opening-balances", "closing balances",
   "carried forward", "retained earnings". #}
{% macro treasury_balance_entry_words() -%}
    (opening|closing|open|close|carried forward|brought forward|retained)
{%- endmacro %}
