{# SQL that DuckDB and Spark spell differently (issue 18, docs/scaling.md). Each macro dispatches to a
   duckdb__ and a spark__ implementation; where dbt's own cross-database macros exist (dbt.type_string,
   dbt.datediff, dbt.split_part, ...) the models use those instead. Spark runs with ANSI mode off, so
   three of these would otherwise give wrong answers without an error: regex replace (DuckDB replaces the
   first match unless told 'g'), list positions (Spark's [] is 0-based) and day of week (Spark's
   dayofweek numbers Sunday 1). #}

{# Integer division of integers, truncating (operands here are never negative). #}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'togetheros')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{# An integer type wide enough for a product of two bigints. #}
{% macro type_wide_int() -%}
    {{ return(adapter.dispatch('type_wide_int', 'togetheros')()) }}
{%- endmacro %}

{% macro duckdb__type_wide_int() -%}
    hugeint
{%- endmacro %}

{% macro spark__type_wide_int() -%}
    decimal(38, 0)
{%- endmacro %}

{# A regular expression as a string literal: Spark's parser reads backslash escapes in literals. #}
{% macro regex_literal(pattern) -%}
    {{ return(adapter.dispatch('regex_literal', 'togetheros')(pattern)) }}
{%- endmacro %}

{% macro default__regex_literal(pattern) -%}
    '{{ pattern }}'
{%- endmacro %}

{% macro spark__regex_literal(pattern) -%}
    '{{ pattern | replace("\\", "\\\\") }}'
{%- endmacro %}

{# Replace every match of `pattern` in `expr`. #}
{% macro regex_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'togetheros')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ regex_literal(pattern) }}, '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ regex_literal(pattern) }}, '{{ replacement }}')
{%- endmacro %}

{# Whether `expr` contains a match of `pattern`. #}
{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'togetheros')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, {{ regex_literal(pattern) }})
{%- endmacro %}

{# A delimited string as a list (the delimiter is a plain character, not a pattern). #}
{% macro split_to_list(expr, delimiter) -%}
    {{ return(adapter.dispatch('split_to_list', 'togetheros')(expr, delimiter)) }}
{%- endmacro %}

{% macro duckdb__split_to_list(expr, delimiter) -%}
    string_split({{ expr }}, '{{ delimiter }}')
{%- endmacro %}

{% macro spark__split_to_list(expr, delimiter) -%}
    split({{ expr }}, {{ regex_literal('\\Q' ~ delimiter ~ '\\E') }})
{%- endmacro %}

{# The list element at 1-based `position` (NULL past the end). #}
{% macro list_element(list, position) -%}
    {{ return(adapter.dispatch('list_element', 'togetheros')(list, position)) }}
{%- endmacro %}

{% macro duckdb__list_element(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_element(list, position) -%}
    element_at({{ list }}, {{ position }})
{%- endmacro %}

{# Day of the week, Sunday 0 to Saturday 6. #}
{% macro day_of_week(day) -%}
    {{ return(adapter.dispatch('day_of_week', 'togetheros')(day)) }}
{%- endmacro %}

{% macro duckdb__day_of_week(day) -%}
    dayofweek({{ day }})
{%- endmacro %}

{% macro spark__day_of_week(day) -%}
    (dayofweek({{ day }}) - 1)
{%- endmacro %}

{# A fingerprint of a whole row (`alias` is a table alias), and one of several values; XOR-ed over rows
   (bit_xor), a table's fingerprint does not depend on row order. Only compared within one engine. #}
{% macro row_fingerprint(alias) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'togetheros')(alias)) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(alias) -%}
    hash({{ alias }})
{%- endmacro %}

{% macro spark__row_fingerprint(alias) -%}
    xxhash64({{ alias }}.*)
{%- endmacro %}

{% macro values_fingerprint(values) -%}
    {{ return(adapter.dispatch('values_fingerprint', 'togetheros')(values)) }}
{%- endmacro %}

{% macro duckdb__values_fingerprint(values) -%}
    hash({{ values | join(', ') }})
{%- endmacro %}

{% macro spark__values_fingerprint(values) -%}
    xxhash64({{ values | join(', ') }})
{%- endmacro %}

{# Every column of the relation in scope but `columns`. #}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'togetheros')(columns)) }}
{%- endmacro %}

{% macro duckdb__star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}

{# The dates (or timestamps) from `first` to `last` a `step` apart ('1 day', '1 month'), as a set-returning
   select item: `cross join lateral (select {{ date_series(...) }} as day) as days`. #}
{% macro date_series(first, last, step) -%}
    {{ return(adapter.dispatch('date_series', 'togetheros')(first, last, step)) }}
{%- endmacro %}

{% macro duckdb__date_series(first, last, step) -%}
    unnest(generate_series({{ first }}, {{ last }}, interval {{ step }}))
{%- endmacro %}

{% macro spark__date_series(first, last, step) -%}
    explode(sequence({{ first }}, {{ last }}, interval {{ step }}))
{%- endmacro %}

{# Seeds on Spark: values inline as literals, an empty cell as NULL (dbt-spark's bound parameters load it
   as ''); DuckDB keeps dbt-duckdb's loader. #}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none or (value is string and value == '') -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{# "As of" lookup, a join clause: each row of `left` (alias) meets the row of `relation` with the same
   `keys` and the latest `right_time` at or before its `left_time`. #}
{% macro asof_join(relation, alias, keys, left, left_time, right_time) -%}
    {{ return(adapter.dispatch('asof_join', 'togetheros')(relation, alias, keys, left, left_time, right_time)) }}
{%- endmacro %}

{% macro duckdb__asof_join(relation, alias, keys, left, left_time, right_time) -%}
    asof inner join {{ relation }} as {{ alias }}
        on {% for key in keys %}{{ left }}.{{ key }} = {{ alias }}.{{ key }}
        and {% endfor %}{{ left }}.{{ left_time }} >= {{ alias }}.{{ right_time }}
{%- endmacro %}

{% macro spark__asof_join(relation, alias, keys, left, left_time, right_time) -%}
    inner join (
        select
            *,
            lead({{ right_time }}) over (partition by {{ keys | join(', ') }} order by {{ right_time }}) as asof_next
        from {{ relation }}
    ) as {{ alias }}
        on {% for key in keys %}{{ left }}.{{ key }} = {{ alias }}.{{ key }}
        and {% endfor %}{{ left }}.{{ left_time }} >= {{ alias }}.{{ right_time }}
        and ({{ left }}.{{ left_time }} < {{ alias }}.asof_next or {{ alias }}.asof_next is null)
{%- endmacro %}

{# Contracts on Spark: dbt-spark checks column names and types before it builds, but applies `not_null`
   constraints only to Delta tables (ALTER TABLE ... SET NOT NULL), and plain Parquet tables hold none.
   Here a Parquet table's not_null columns are checked once it is built, and the model fails if one holds
   a NULL. Other constraint types (none in this project) stay unenforced on Spark. #}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'delta') == 'delta' -%}
        {% do alter_table_add_constraints(relation, model.constraints) %}
        {% do alter_column_set_constraints(relation, model.columns) %}
    {%- elif contract_config.enforced -%}
        {%- set not_null = [] -%}
        {%- for name, column in model.columns.items() -%}
            {%- for constraint in column.constraints if constraint.type == 'not_null' -%}
                {%- do not_null.append(name) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if not_null and execute -%}
            {%- set nulls = run_query('select count(*) from ' ~ relation ~ ' where '
                ~ (not_null | join(' is null or ')) ~ ' is null').columns[0].values()[0] -%}
            {%- if nulls > 0 -%}
                {{ exceptions.raise_compiler_error('contract: ' ~ nulls ~ ' row(s) of ' ~ relation
                    ~ ' hold NULL in a not_null column (' ~ not_null | join(', ') ~ ')') }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
