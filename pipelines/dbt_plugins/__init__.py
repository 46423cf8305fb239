"""dbt-duckdb plugins: Python functions the dbt models call in SQL (`pseudonym(text)`)."""
