{# Published rates and medians are fixed-point decimals computed with integer arithmetic only, so a
   release is byte-reproducible and an auditor can recompute it exactly (no floating-point ties).
   numerator ÷ denominator rounded half away from zero to `places` decimals (denominator > 0). #}
{% macro rounded_fixed(numerator, denominator, places=1) -%}
    {%- set scale = 10 ** places -%}
    case when ({{ denominator }}) > 0 then
        cast(
            (case when ({{ numerator }}) < 0 then -1 else 1 end)
            * {{ int_div("2 * " ~ scale ~ " * abs(" ~ numerator ~ ") + (" ~ denominator ~ ")", "2 * (" ~ denominator ~ ")") }}
            as decimal(18, 0)
        ) / {{ scale }}.0
    end
{%- endmacro %}

{# A share in percent with one decimal: 100 × part ÷ whole. #}
{% macro percent_tenths(part, whole) -%}
    cast({{ rounded_fixed('100 * (' ~ part ~ ')', whole) }} as decimal(5, 1))
{%- endmacro %}

{# The median of integer values (e.g. seconds) in a coarser unit (e.g. 3600 = hours), to one decimal.
   The median of integers is a whole or a half number, so twice it is an exact integer. #}
{% macro median_tenths(values, unit) -%}
    cast({{ rounded_fixed('cast(2 * median(' ~ values ~ ') as bigint)', '2 * ' ~ unit) }} as decimal(10, 1))
{%- endmacro %}
