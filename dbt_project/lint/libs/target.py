"""For sqlfluff only: dbt's `target` as the models are linted (the DuckDB profile)."""

type = "duckdb"
