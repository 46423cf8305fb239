"""For sqlfluff only: the dbt cross-database macros the models call, as dbt-duckdb renders them."""


def datediff(first_date, second_date, datepart):
    return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"
