"""Raw load: landed files → typed DuckDB tables `raw.<source>__<entity>`, bad rows → `raw.quarantine`.

Incremental by landing file: a file already loaded is not parsed again, and rows of a file that is
no longer current (replaced by a newer version of the same name) are removed. For every file and
entity (and every slice of a file read in slices), `raw.load_log` records rows read = rows accepted +
rows quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.landing import LandedFile
from pipelines.sources import parser
from pipelines.sources.contracts import QUARANTINE_SCHEMA, Checked, TableContract, load_contract

DUCKDB_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
    pl.Datetime: "TIMESTAMP",
}

BATCH_FILES = 2000  # files checked together by a source that reads many small ones

BOOKKEEPING_DDL = """
create schema if not exists raw;
create table if not exists raw.landing_files (
    sha256 varchar primary key, source varchar, file_name varchar, bytes bigint, landed_at varchar,
    origin varchar, cursor varchar);
create table if not exists raw.load_log (
    source varchar, entity varchar, landing_sha256 varchar, file_name varchar,
    rows_read bigint, rows_accepted bigint, rows_quarantined bigint);
create table if not exists raw.quarantine (
    source varchar, entity varchar, landing_sha256 varchar, file_name varchar, record varchar,
    rule varchar, column_name varchar, value varchar, message varchar);
"""


@dataclass
class LoadSummary:
    source: str
    files_loaded: int = 0
    files_removed: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    entities: dict[str, int] = field(default_factory=dict)


def _ddl_type(dtype: pl.DataType) -> str:
    return DUCKDB_TYPES[dtype.base_type()]


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def ensure_tables(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, TableContract]:
    """Create the source's raw tables from its contract; a contract change rebuilds them from landing."""
    con.execute(BOOKKEEPING_DDL)
    contracts = load_contract(source)
    for contract in contracts.values():
        wanted = [c.name for c in contract.columns] + ["_landing_sha256", "_record"]
        existing = _table_columns(con, contract.table)
        if existing and existing != wanted:
            con.execute(f'drop table raw."{contract.table}"')
            con.execute("delete from raw.load_log where source = ?", [source])
            con.execute("delete from raw.quarantine where source = ?", [source])
            existing = []
        if not existing:
            columns = ", ".join(f'"{name}" {_ddl_type(dtype)}' for name, dtype in contract.polars_schema().items())
            con.execute(f'create table raw."{contract.table}" ({columns}, _landing_sha256 varchar, _record varchar)')
    return contracts


def load_source(
    con: duckdb.DuckDBPyConnection, source: str, landed: list[LandedFile], landing_dir: Path
) -> LoadSummary:
    contracts = ensure_tables(con, source)
    module = parser(source)
    summary = LoadSummary(source)
    loaded = {
        r[0]
        for r in con.execute("select distinct landing_sha256 from raw.load_log where source = ?", [source]).fetchall()
    }
    current = {f.sha256: f for f in landed}

    stale = sorted(loaded - current.keys())
    if stale:
        for contract in contracts.values():
            con.execute(f'delete from raw."{contract.table}" where _landing_sha256 in (select unnest(?))', [stale])
        for table in ("load_log", "quarantine"):
            con.execute(
                f"delete from raw.{table} where source = ? and landing_sha256 in (select unnest(?))", [source, stale]
            )
        summary.files_removed = len(stale)

    new_files = [current[sha] for sha in sorted(current.keys() - loaded)]
    # (files, their parsed parts): every part of a file is loaded in the file's one transaction
    if hasattr(module, "parse_batch"):  # many small files (API pages): one contract pass per batch
        batches = [new_files[i : i + BATCH_FILES] for i in range(0, len(new_files), BATCH_FILES)]
        results = (
            (batch, [module.parse_batch([(f.path(landing_dir), f.file_name, f.sha256) for f in batch])])
            for batch in batches
        )
    elif hasattr(module, "parse_slices"):  # tables of millions of rows: a slice at a time keeps memory flat
        results = (([f], module.parse_slices(f.path(landing_dir), f.file_name, f.sha256)) for f in new_files)
    else:
        results = (([f], [module.parse(f.path(landing_dir), f.file_name, f.sha256)]) for f in new_files)
    for batch, parts in results:
        con.execute("begin")
        _record_landing_files(con, source, batch)
        for checked_entities in parts:
            for entity, checked in checked_entities.items():
                _insert(con, contracts[entity].table, checked)
                _log_per_file(con, source, entity, batch, checked)
                summary.rows_read += checked.rows_read
                summary.rows_accepted += checked.accepted.height
                summary.rows_quarantined += checked.quarantined.height
                summary.entities[entity] = summary.entities.get(entity, 0) + checked.accepted.height
        con.execute("commit")
        summary.files_loaded += len(batch)
    return summary


def _record_landing_files(con: duckdb.DuckDBPyConnection, source: str, batch: list[LandedFile]) -> None:
    """One insert per batch: `executemany` runs a statement per row, slower than parsing the files."""
    files = pl.DataFrame(
        [(f.sha256, source, f.file_name, f.bytes, f.landed_at, f.origin, _cursor_text(f.cursor)) for f in batch],
        schema={
            "sha256": pl.String,
            "source": pl.String,
            "file_name": pl.String,
            "bytes": pl.Int64,
            "landed_at": pl.String,
            "origin": pl.String,
            "cursor": pl.String,
        },
        orient="row",
    )
    _insert_frame(con, "raw.landing_files", files, "insert or ignore")


def _cursor_text(cursor: object) -> str | None:
    """An API page's cursor as text: fetchers record some as JSON objects (e.g. offset and date)."""
    return cursor if cursor is None or isinstance(cursor, str) else json.dumps(cursor, sort_keys=True)


def _insert(con: duckdb.DuckDBPyConnection, table: str, checked: Checked) -> None:
    if checked.accepted.height:
        _insert_frame(con, f'raw."{table}"', checked.accepted)
    if checked.quarantined.height:
        _insert_frame(con, "raw.quarantine", checked.quarantined.select(list(QUARANTINE_SCHEMA)))


def _log_per_file(
    con: duckdb.DuckDBPyConnection, source: str, entity: str, batch: list[LandedFile], checked: Checked
) -> None:
    """One load-log row per file of the batch: what it contributed, accepted and quarantined.

    Checked together, a batch's rows are counted back to their files; every row read was either
    accepted or quarantined, so a file's rows read are the sum of the two."""
    accepted = dict(checked.accepted.group_by("_landing_sha256").len().iter_rows())
    quarantined = dict(checked.quarantined.group_by("landing_sha256").len().iter_rows())
    if len(batch) == 1:  # a single file reports what it read itself, which the check can verify
        read = {batch[0].sha256: checked.rows_read}
    else:
        read = {sha: accepted.get(sha, 0) + quarantined.get(sha, 0) for sha in (f.sha256 for f in batch)}
    log = pl.DataFrame(
        {
            "source": source,
            "entity": entity,
            "landing_sha256": [f.sha256 for f in batch],
            "file_name": [f.file_name for f in batch],
            "rows_read": [read.get(f.sha256, 0) for f in batch],
            "rows_accepted": [accepted.get(f.sha256, 0) for f in batch],
            "rows_quarantined": [quarantined.get(f.sha256, 0) for f in batch],
        }
    )
    _insert_frame(con, "raw.load_log", log)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, verb: str = "insert") -> None:
    con.register("frame_batch", frame.to_arrow())
    con.execute(f"{verb} into {table} by name select * from frame_batch")
    con.unregister("frame_batch")


def conservation_breaches(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple]:
    """Load-log rows where rows read != accepted + quarantined (must be none)."""
    con.execute(BOOKKEEPING_DDL)
    return con.execute(
        "select file_name, entity, rows_read, rows_accepted, rows_quarantined from raw.load_log "
        "where source = ? and rows_read <> rows_accepted + rows_quarantined",
        [source],
    ).fetchall()
