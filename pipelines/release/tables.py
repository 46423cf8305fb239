"""Deterministic Parquet and CSV files of one dataset, written with DuckDB, and their Table Schema types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"
CSV_OPTIONS = (
    "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR '', "
    "DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%fZ'"
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PREFIXES_SQL = "('=', '+', '-', '@', chr(9), chr(13))"

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_schema_type(duckdb_type: str) -> str:
    """The Table Schema field type a DuckDB column type is published as."""
    if duckdb_type in _INTEGER_TYPES:
        return "integer"
    if duckdb_type in {"DOUBLE", "FLOAT", "REAL"} or duckdb_type.startswith("DECIMAL"):
        return "number"
    if duckdb_type == "VARCHAR":
        return "string"
    if duckdb_type == "BOOLEAN":
        return "boolean"
    if duckdb_type == "DATE":
        return "date"
    if duckdb_type.startswith("TIMESTAMP"):
        return "datetime"
    if duckdb_type.startswith("TIME"):
        return "time"
    return "any"


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def column_types(con: duckdb.DuckDBPyConnection, relation_sql: str) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of a relation, in column order."""
    return [(row[0], row[1]) for row in con.execute(f"DESCRIBE {relation_sql}").fetchall()]


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    return column_types(con, f"SELECT * FROM read_parquet({quote_literal(str(path))})")


def count_rows(con: duckdb.DuckDBPyConnection, relation_sql: str) -> int:
    return con.execute(f"SELECT count(*) FROM {relation_sql}").fetchall()[0][0]


@dataclass(frozen=True)
class WrittenDataset:
    rows: int
    columns: list[tuple[str, str]]  # (name, DuckDB type)


def _neutralized(column: str, duckdb_type: str) -> str:
    """The CSV cell expression: text cells that a spreadsheet would evaluate get a leading apostrophe."""
    ref = f"src.{quote_identifier(column)}"
    if duckdb_type != "VARCHAR":
        return ref
    return (
        f"CASE WHEN left({ref}, 1) IN {_FORMULA_PREFIXES_SQL} THEN '''' || {ref} ELSE {ref} END "
        f"AS {quote_identifier(column)}"
    )


def write_dataset(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    primary_key: list[str],
    parquet_path: Path,
    csv_path: Path,
) -> WrittenDataset:
    """Parquet and CSV with the same rows, ordered by the primary key and then every column."""
    con.register("src", table)
    try:
        columns = column_types(con, "src")
        names = [name for name, _ in columns]
        order = primary_key + [name for name in names if name not in primary_key]
        # Qualified names bind to the source columns, not to the neutralized CSV aliases.
        order_by = ", ".join(f"src.{quote_identifier(name)}" for name in order)
        con.execute(
            f"COPY (SELECT * FROM src ORDER BY {order_by}) TO {quote_literal(str(parquet_path))} ({PARQUET_OPTIONS})"
        )
        cells = ", ".join(_neutralized(name, kind) for name, kind in columns)
        con.execute(
            f"COPY (SELECT {cells} FROM src ORDER BY {order_by}) TO {quote_literal(str(csv_path))} ({CSV_OPTIONS})"
        )
        return WrittenDataset(rows=count_rows(con, "src"), columns=columns)
    finally:
        con.unregister("src")
