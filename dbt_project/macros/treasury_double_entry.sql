{# Double entry: the legs of one transaction sum to zero (per `by`, e.g. currency, when given).
   With `account`, only transactions whose legs on two or more accounts are all present are checked
   (an Open Collective export holds only its own collective's leg unless both sides are the
   community's). #}
{% test transaction_legs_sum_to_zero(model, transaction_key, amount, by=none, account=none) %}
select {{ transaction_key }} as transaction_key, {% if by %}{{ by }}, {% endif %}sum({{ amount }}) as imbalance
from {{ model }}
group by {{ transaction_key }}{% if by %}, {{ by }}{% endif %}
having sum({{ amount }}) != 0
{%- if account %} and count(distinct {{ account }}) >= 2{% endif %}
{% endtest %}
