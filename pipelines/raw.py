"""Raw load: landed files → typed DuckDB tables `raw.<source>__<entity>`, bad rows → `raw.quarantine`.

Incremental by landing file: a file already loaded is not parsed again, and rows of a file that is
no longer current (replaced by a newer version of the same name) are removed. For every file and
entity (and every slice of a file read in slices), `raw.load_log` records rows read = rows accepted +
rows quarantined, and `raw.file_outcomes` gives every landed file one outcome: loaded (rows per
entity), empty, or refused with a rule and a message (see `load_source`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.landing import LandedFile
from pipelines.raw_readers import PARALLEL_BYTES, READ_WORKERS, PeopleSink, Readers
from pipelines.sources import parser
from pipelines.sources.contracts import QUARANTINE_SCHEMA, Checked, TableContract, load_contract
from pipelines.sources.limits import Limits, active, describe_bytes, longest_line
from pipelines.sources.quarantine import FUTURE_TOLERANCE, FileRefused, as_refusal
from pipelines.sources.text import printable

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
create table if not exists raw.file_outcomes (
    source varchar, landing_sha256 varchar, file_name varchar, outcome varchar, rule varchar,
    message varchar, rows_accepted bigint, rows_quarantined bigint, entities varchar, detail varchar);
"""

FILE_ENTITY = "file"  # the load-log and quarantine entity of a whole file refused by the raw load


@dataclass
class LoadSummary:
    source: str
    files_loaded: int = 0
    files_removed: int = 0
    files_refused: int = 0
    rows_held: int = 0  # records pointing at a parent no loaded file holds (see REFERENCES)
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
            con.execute(f'drop table if exists raw."{contract.table}__held"')
            con.execute("delete from raw.load_log where source = ?", [source])
            con.execute("delete from raw.quarantine where source = ?", [source])
            con.execute("delete from raw.file_outcomes where source = ?", [source])
            existing = []
        if not existing:
            columns = ", ".join(f'"{name}" {_ddl_type(dtype)}' for name, dtype in contract.polars_schema().items())
            con.execute(f'create table raw."{contract.table}" ({columns}, _landing_sha256 varchar, _record varchar)')
    return contracts


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    landed: list[LandedFile],
    landing_dir: Path,
    limits: Limits | None = None,
    parsing: Callable[[], AbstractContextManager] = nullcontext,
    workers: int | None = None,
    people: PeopleSink | None = None,
) -> LoadSummary:
    """Load the source's new landed files; every file ends with an outcome in `raw.file_outcomes`.

    Each file (or batch of small files) is loaded in its own transaction. A limit breach, a
    `refuse(rule, message)` from the parser or any exception while reading a file rolls back that file
    only and records it as refused with a rule and a message; the other files load. A batch that fails
    is loaded again file by file, so one bad page refuses only itself. A refused file is read again on
    the next run (a raised limit or a fixed parser may then load it). `limits` default to `Limits()`'s
    defaults; the pipeline passes the `InputLimits` resource's. `parsing` makes what the parser needs
    (`Sources.parsing`), here and in the reader processes: `workers` of them (pipelines/raw_readers.py),
    by default READ_WORKERS when parsing the new files reads PARALLEL_BYTES, else none. `people` is handed the
    privacy gate's people of the files the readers parse, for a source whose parser shows its data
    (`people.PARSED_READERS`; `people_cache.FromTheLoad` stores them)."""
    limits = limits or Limits()
    with active(limits), parsing():
        return _load_source(con, source, landed, landing_dir, limits, parsing, workers, people)


def _load_source(
    con, source, landed, landing_dir, limits: Limits, parsing, workers: int | None, people: PeopleSink | None
) -> LoadSummary:
    contracts = ensure_tables(con, source)
    module = parser(source)
    summary = LoadSummary(source)
    known = _shas(con, "select landing_sha256 from raw.load_log where source = ?", source) | _shas(
        con, "select landing_sha256 from raw.file_outcomes where source = ?", source
    )
    current = {f.sha256: f for f in landed}
    refused_before = _shas(
        con, "select landing_sha256 from raw.file_outcomes where source = ? and outcome = 'refused'", source
    )
    stale = sorted(known - current.keys())
    if stale:
        _forget(con, source, contracts, stale)
        summary.files_removed = len(stale)
    retry = sorted(refused_before & current.keys())
    if retry:
        _forget(con, source, contracts, retry)
    _backfill_outcomes(con, source)  # a warehouse loaded before outcomes were recorded
    done = _shas(con, "select landing_sha256 from raw.file_outcomes where source = ?", source)
    if (stale or current.keys() - done) and hasattr(module, "read_again_on_change"):
        # files whose rows depend on other files (books that include others): read again when any changed
        again = sorted(module.read_again_on_change([current[sha] for sha in sorted(done & current.keys())]))
        if again:
            _forget(con, source, contracts, again)
            done -= set(again)

    new_files = [current[sha] for sha in sorted(current.keys() - done)]
    if len(new_files) > limits.files:
        for f in new_files[limits.files :]:
            message = (
                f"more than {limits.files} new {source} files in one run (limit TOGETHEROS_LIMIT_FILES); "
                "this one waits for the next run"
            )
            _refuse(con, source, [f], FileRefused("limit:files", message), summary)
        new_files = new_files[: limits.files]
    readable = []
    for f in new_files:
        breach = _limit_breach(module, f, landing_dir, limits)
        if breach is None:
            readable.append(f)
        else:
            _refuse(con, source, [f], breach, summary)

    batch = hasattr(module, "parse_batch")  # many small files (API pages): one contract pass per batch
    units = (
        [readable[i : i + BATCH_FILES] for i in range(0, len(readable), BATCH_FILES)]
        if batch
        else [[f] for f in readable]
    )
    # the files read a slice at a time, here (memory stays flat, the slices go to the workers): every
    # file of a source with `parse_slices`, or those its `in_slices` names
    sliced = not batch and hasattr(module, "parse_slices")
    in_slices = getattr(module, "in_slices", None)
    reads = [
        (unit, None if sliced and (in_slices is None or in_slices(unit[0].file_name)) else _args(unit, landing_dir))
        for unit in units
    ]
    if workers is None:
        # what parsing reads: a ZIP's members uncompressed (`parsed_bytes`), else the files' bytes
        parsed_bytes = getattr(module, "parsed_bytes", None)
        new_bytes = sum(
            f.bytes if parsed_bytes is None else parsed_bytes(f.path(landing_dir), f.bytes) for f in readable
        )
        workers = READ_WORKERS if new_bytes >= PARALLEL_BYTES else 0
    units_read = [args for _, args in reads if args]
    with Readers(source, units_read, batch, limits, parsing, workers, people) as readers:
        if batch:
            _load_batches(con, source, contracts, module, reads, landing_dir, readers, summary)
        else:
            _load_files(con, source, contracts, module, reads, landing_dir, readers, limits, summary)
    summary.rows_held = hold_orphans(con, source, contracts)
    return summary


def _load_batches(con, source, contracts, module, reads, landing_dir, readers: Readers, summary) -> None:
    def recognised(f: LandedFile) -> bool:
        return bool(module.parse(f.path(landing_dir), f.file_name, f.sha256))

    for batch, args in reads:
        error = _load(con, source, contracts, batch, lambda args=args: readers.parts(args), recognised=recognised)
        if error is None:
            _count(summary, None, batch, con, source)
        elif len(batch) == 1:
            _refuse(con, source, batch, error, summary)
        else:
            for f in batch:  # find the file that broke the batch: each alone, here
                one = _load(
                    con,
                    source,
                    contracts,
                    [f],
                    lambda f=f: readers.here(_args([f], landing_dir)),
                    recognised=recognised,
                )
                _count(summary, one, [f], con, source)


def _load_files(con, source, contracts, module, reads, landing_dir, readers: Readers, limits, summary) -> None:
    for (f,), args in reads:
        if args is None:
            parts = lambda f=f: module.parse_slices(  # noqa: E731
                f.path(landing_dir), f.file_name, f.sha256, readers.map_in_order
            )
        else:
            parts = lambda args=args: readers.parts(args)  # noqa: E731
        error = _load(con, source, contracts, [f], parts, limits.records)
        _count(summary, error, [f], con, source)


# columns that say when something happened (not planned dates: deadlines, targets, budget periods)
RECORDED_COLUMNS = ("created_at", "published_at", "updated_at")


def refuse_recorded_in_future(checked: Checked, contract: TableContract, batch: list[LandedFile]) -> Checked:
    """Quarantine accepted rows whose creation, publication or update time is more than a day after now:
    records do not come from the future, and one dated 2099 would move every page's "data as of".
    The message quotes the value as the file has it (in UTC)."""
    columns = [c.name for c in contract.columns if c.name in RECORDED_COLUMNS and c.logical_type == "timestamp"]
    if not columns or not checked.accepted.height:
        return checked
    limit = datetime.now(UTC).replace(tzinfo=None) + FUTURE_TOLERANCE
    names = {f.sha256: f.file_name for f in batch}
    future = pl.any_horizontal([pl.col(c).cast(pl.Datetime("us")) > limit for c in columns]).fill_null(False)
    mask = checked.accepted.select(future).to_series()
    if not mask.any():
        return checked
    moved = checked.accepted.filter(mask)
    rows = []
    for row in moved.iter_rows(named=True):
        column = next(c for c in columns if row[c] is not None and row[c].replace(tzinfo=None) > limit)
        file_name = names.get(row["_landing_sha256"], "")
        rows.append(
            {
                "source": contract.source,
                "entity": contract.entity,
                "landing_sha256": row["_landing_sha256"],
                "file_name": file_name,
                "record": str(row["_record"]),
                "rule": f"{column}:future",
                "column_name": column,
                "value": f"{row[column]:%Y-%m-%d %H:%M:%S}",
                "message": printable(
                    f"{contract.table}: record {row['_record']} of {file_name} breaks rule {column}:future: "
                    f"{column} {row[column]:%Y-%m-%d %H:%M:%S} UTC is more than a day after the load "
                    f"({limit:%Y-%m-%d %H:%M} UTC); a record cannot be from the future"
                ),
            }
        )
    return Checked(
        accepted=checked.accepted.filter(~mask),
        quarantined=pl.concat([checked.quarantined, pl.DataFrame(rows, schema=QUARANTINE_SCHEMA)]),
        rows_read=checked.rows_read,
        notes=checked.notes,
    )


# (child entity, its column, parent entity, the parent's key): a record pointing at a parent that no loaded
# file holds is impossible (a vote for a proposal that does not exist). It is held back from raw, with a
# quarantine record, until a file that holds the parent is loaded; then it is loaded again.
REFERENCES: dict[str, list[tuple[str, str, str, str]]] = {
    "togetheros": [
        ("proposal_votes", "proposal_id", "proposals", "proposal_id"),
        ("proposal_status_changes", "proposal_id", "proposals", "proposal_id"),
        ("forum_posts", "topic_id", "topics", "topic_id"),
        ("milestones", "initiative_id", "initiatives", "initiative_id"),
    ],
}


def hold_orphans(con: duckdb.DuckDBPyConnection, source: str, contracts: dict[str, TableContract]) -> int:
    """Re-evaluate every reference of the source: rows held back whose parent now exists return to their
    raw table, rows whose parent does not exist move to `raw."<table>__held"` with a quarantine record
    (rule `<column>:no_such_<parent>`); the load log moves each between accepted and quarantined, so a
    file's rows read stay accepted + quarantined. Returns how many rows are held."""
    held_total = 0
    for child, column, parent, key in REFERENCES.get(source, []):
        if child not in contracts or parent not in contracts:
            continue
        table, parent_table = contracts[child].table, contracts[parent].table
        held = f'raw."{table}__held"'
        rule = f"{column}:no_such_{parent.removesuffix('s')}"
        con.execute("begin")
        con.execute(f'create table if not exists {held} as select * from raw."{table}" limit 0')
        exists = f'{{alias}}."{column}" in (select "{key}" from raw."{parent_table}")'
        back = con.execute(f"select _landing_sha256, _record from {held} h where {exists.format(alias='h')}").fetchall()
        if back:
            con.execute(f'insert into raw."{table}" select * from {held} h where {exists.format(alias="h")}')
            con.execute(f"delete from {held} h where {exists.format(alias='h')}")
            _move_in_log(con, source, child, back, rule, +1)
        orphans = con.execute(
            f'select _landing_sha256, _record, "{column}" from raw."{table}" t '
            f'where t."{column}" is not null and not {exists.format(alias="t")}'
        ).fetchall()
        if orphans:
            con.execute(
                f'insert into {held} select * from raw."{table}" t '
                f'where t."{column}" is not null and not {exists.format(alias="t")}'
            )
            con.execute(
                f'delete from raw."{table}" t where t."{column}" is not null and not {exists.format(alias="t")}'
            )
            names = dict(
                con.execute(
                    "select sha256, file_name from raw.landing_files where source = ? and sha256 in (select unnest(?))",
                    [source, sorted({sha for sha, _, _ in orphans})],
                ).fetchall()
            )
            quarantine = pl.DataFrame(
                [
                    {
                        "source": source,
                        "entity": child,
                        "landing_sha256": sha,
                        "file_name": names.get(sha, ""),
                        "record": record,
                        "rule": rule,
                        "column_name": column,
                        "value": str(value)[:200],
                        "message": printable(
                            f"{table}: record {record} of {names.get(sha, '')} breaks rule {rule}: {column} "
                            f"{value!r} names no {parent.removesuffix('s')} in any loaded file; it loads once a "
                            f"file holding that {parent.removesuffix('s')} does"
                        ),
                    }
                    for sha, record, value in orphans
                ],
                schema=QUARANTINE_SCHEMA,
            )
            _insert_frame(con, "raw.quarantine", quarantine)
            _move_in_log(con, source, child, [(sha, record) for sha, record, _ in orphans], rule, -1)
        con.execute("commit")
        held_total += int(con.execute(f"select count(*) from {held}").fetchall()[0][0])
    return held_total


def _move_in_log(con, source: str, entity: str, rows: list[tuple[str, str]], rule: str, direction: int) -> None:
    """Rows of files moved into raw (+1) or held back (-1): their load-log counts and quarantine records."""
    per_file: dict[str, int] = {}
    for sha, _ in rows:
        per_file[sha] = per_file.get(sha, 0) + 1
    for sha, n in per_file.items():
        con.execute(
            "update raw.load_log set rows_accepted = rows_accepted + ?, rows_quarantined = rows_quarantined - ? "
            "where rowid = (select min(rowid) from raw.load_log "
            "where source = ? and entity = ? and landing_sha256 = ?)",
            [direction * n, direction * n, source, entity, sha],
        )
        con.execute(
            "update raw.file_outcomes set rows_accepted = rows_accepted + ?, rows_quarantined = rows_quarantined - ? "
            "where source = ? and landing_sha256 = ?",
            [direction * n, direction * n, source, sha],
        )
    if direction > 0:
        con.execute(
            "delete from raw.quarantine q using (select unnest(?) as sha, unnest(?) as rec) r "
            "where q.source = ? and q.entity = ? and q.rule = ? and q.landing_sha256 = r.sha and q.record = r.rec",
            [[sha for sha, _ in rows], [record for _, record in rows], source, entity, rule],
        )


def _args(batch: list[LandedFile], landing_dir: Path) -> list[tuple[Path, str, str]]:
    return [(f.path(landing_dir), f.file_name, f.sha256) for f in batch]


def _shas(con: duckdb.DuckDBPyConnection, sql: str, source: str) -> set[str]:
    return {r[0] for r in con.execute(sql, [source]).fetchall()}


def _forget(con: duckdb.DuckDBPyConnection, source: str, contracts: dict[str, TableContract], shas: list[str]) -> None:
    """Remove every row a file contributed, its log, quarantine and outcome."""
    for contract in contracts.values():
        con.execute(f'delete from raw."{contract.table}" where _landing_sha256 in (select unnest(?))', [shas])
        if _table_columns(con, f"{contract.table}__held"):
            con.execute(f'delete from raw."{contract.table}__held" where _landing_sha256 in (select unnest(?))', [shas])
    for table in ("load_log", "quarantine", "file_outcomes"):
        con.execute(
            f"delete from raw.{table} where source = ? and landing_sha256 in (select unnest(?))", [source, shas]
        )


def _limit_breach(module, f: LandedFile, landing_dir: Path, limits: Limits) -> FileRefused | None:
    """A limit the file breaks before any parser reads it (size, a line's length), as its refusal."""
    suffix = Path(f.file_name).suffix.lower()
    streamed = suffix in getattr(module, "STREAMED_SUFFIXES", ())
    size_limit, name = (
        (limits.streamed_file_bytes, "STREAMED_FILE_BYTES") if streamed else (limits.file_bytes, "FILE_BYTES")
    )
    if f.bytes > size_limit:
        return FileRefused(
            f"limit:{name.lower()}",
            f"the file has {describe_bytes(f.bytes)}, more than the {describe_bytes(size_limit)} "
            f"a {source_kind(suffix)} may have (TOGETHEROS_LIMIT_{name}); "
            "split the export (e.g. by year) or raise the limit",
        )
    if suffix not in WHOLE_DOCUMENT_SUFFIXES:
        found = longest_line(f.path(landing_dir), limits.line_bytes)
        if found is not None:
            line, size = found
            return FileRefused(
                "limit:line_bytes",
                f"line {line} has more than {describe_bytes(limits.line_bytes)} (read {describe_bytes(size)} "
                "without a line break; limit TOGETHEROS_LIMIT_LINE_BYTES): no record of an export is that long, "
                "so the file is damaged or not the export it is named as",
                record=str(line),
            )
    return None


def source_kind(suffix: str) -> str:
    return f"{suffix} file" if suffix else "file"


# formats without lines to limit: one JSON document (its size is limited), binary archives and workbooks
WHOLE_DOCUMENT_SUFFIXES = (".json", ".zip", ".xlsx", ".xls", ".ods", ".gz", ".parquet")


def _load(
    con, source, contracts, batch, parts_of, max_records: int | None = None, recognised=None
) -> FileRefused | None:
    """Load a batch of files in one transaction; on any failure roll it back and return the refusal.

    A batch logs every file under every entity, so a file the batch gave no rows is asked about alone
    (`recognised`, its own `parse`): nothing recognised, or a page that holds no records."""
    con.execute("begin")
    try:
        _record_landing_files(con, source, batch)
        read = 0
        messages: dict[str, str] = {}
        for checked_entities in parts_of():
            for entity, checked in checked_entities.items():
                if entity not in contracts:
                    raise FileRefused(
                        "file:unknown_entity", f"the {source} reader produced {entity!r}, which has no contract"
                    )
                read += checked.rows_read
                if max_records is not None and read > max_records:
                    raise FileRefused(
                        "limit:records",
                        f"more than {max_records} records in one file (limit TOGETHEROS_LIMIT_RECORDS); "
                        "split the export or raise the limit",
                    )
                problems, message = checked.file_problems, checked.outcome_message
                checked = refuse_recorded_in_future(checked, contracts[entity], batch)
                _insert(con, contracts[entity].table, checked)
                _log_per_file(con, source, entity, batch, checked)
                if len(batch) == 1:
                    _file_problems(con, source, batch[0], problems)
                    if message:
                        messages[batch[0].sha256] = message
        _record_outcomes(con, source, batch, recognised, messages)
        con.execute("commit")
        return None
    except Exception as error:  # noqa: BLE001 - any failure of one file is that file's refusal
        con.execute("rollback")
        return as_refusal(error, source)


def _refuse(
    con: duckdb.DuckDBPyConnection, source: str, batch: list[LandedFile], refusal: FileRefused, summary: LoadSummary
) -> None:
    """Record files as refused: a load-log row and a quarantine record under entity `file` (so the load
    audit and the quarantine reasons count them) and the outcome with the rule and message."""
    con.execute("begin")
    _record_landing_files(con, source, batch)
    for f in batch:
        _refusal_rows(con, source, f, refusal)
    detail = getattr(refusal, "detail", None)
    _insert_outcomes(
        con, [_outcome(source, f, "refused", refusal.rule, refusal.message, 0, 1, "{}", detail) for f in batch]
    )
    con.execute("commit")
    summary.files_refused += len(batch)
    summary.rows_read += len(batch)
    summary.rows_quarantined += len(batch)


def _refusal_rows(con: duckdb.DuckDBPyConnection, source: str, f: LandedFile, refusal: FileRefused) -> None:
    """A refused file's quarantine record and load-log row, under entity `file`."""
    quarantine = pl.DataFrame(
        {
            "source": [source],
            "entity": [FILE_ENTITY],
            "landing_sha256": [f.sha256],
            "file_name": [f.file_name],
            "record": [refusal.record],
            "rule": [refusal.rule],
            "column_name": [None],
            "value": [None],
            "message": [printable(f"{f.file_name}: refused under rule {refusal.rule}: {refusal.message}")],
        },
        schema=QUARANTINE_SCHEMA,
    )
    _insert_frame(con, "raw.quarantine", quarantine)
    _insert_frame(
        con,
        "raw.load_log",
        pl.DataFrame(
            {
                "source": [source],
                "entity": [FILE_ENTITY],
                "landing_sha256": [f.sha256],
                "file_name": [f.file_name],
                "rows_read": [1],
                "rows_accepted": [0],
                "rows_quarantined": [1],
            }
        ),
    )


def _count(summary: LoadSummary, error: FileRefused | None, batch, con, source) -> None:
    if error is not None:
        _refuse(con, source, batch, error, summary)
        return
    rows = con.execute(
        "select entity, sum(rows_read), sum(rows_accepted), sum(rows_quarantined) from raw.load_log "
        "where source = ? and landing_sha256 in (select unnest(?)) group by entity",
        [source, [f.sha256 for f in batch]],
    ).fetchall()
    for entity, read, accepted, quarantined in rows:
        summary.rows_read += int(read)
        summary.rows_accepted += int(accepted)
        summary.rows_quarantined += int(quarantined)
        summary.entities[entity] = summary.entities.get(entity, 0) + int(accepted)
    summary.files_loaded += len(batch)
    summary.files_refused += int(
        con.execute(
            "select count(*) from raw.file_outcomes where source = ? and outcome = 'refused' "
            "and landing_sha256 in (select unnest(?))",
            [source, [f.sha256 for f in batch]],
        ).fetchall()[0][0]
    )


OUTCOME_SCHEMA = {
    "source": pl.String,
    "landing_sha256": pl.String,
    "file_name": pl.String,
    "outcome": pl.String,
    "rule": pl.String,
    "message": pl.String,
    "rows_accepted": pl.Int64,
    "rows_quarantined": pl.Int64,
    "entities": pl.String,
    "detail": pl.String,
}


def _outcome(source, f: LandedFile, outcome, rule, message, accepted, quarantined, entities, detail) -> tuple:
    """One row of `raw.file_outcomes`, in `OUTCOME_SCHEMA`'s order."""
    return (
        source,
        f.sha256,
        f.file_name,
        outcome,
        rule,
        printable(message or ""),
        accepted,
        quarantined,
        entities,
        detail,
    )


def _insert_outcomes(con: duckdb.DuckDBPyConnection, outcomes: list[tuple]) -> None:
    """One insert per batch: a statement per file was half the Discourse load's time."""
    if outcomes:
        _insert_frame(con, "raw.file_outcomes", pl.DataFrame(outcomes, schema=OUTCOME_SCHEMA, orient="row"))


def _file_problems(con: duckdb.DuckDBPyConnection, source: str, f: LandedFile, problems: list) -> None:
    """Records of a file that are no entity's rows (a beancount book's errors, with file and line):
    quarantined under entity `file`, logged as read and quarantined under that entity only."""
    if not problems:
        return
    quarantine = pl.DataFrame(
        {
            "source": [source] * len(problems),
            "entity": [FILE_ENTITY] * len(problems),
            "landing_sha256": [f.sha256] * len(problems),
            "file_name": [f.file_name] * len(problems),
            "record": [p.record for p in problems],
            "rule": [p.rule for p in problems],
            "column_name": [None] * len(problems),
            "value": [None] * len(problems),
            "message": [
                printable(f"{f.file_name}: record {p.record} breaks rule {p.rule}: {p.detail}") for p in problems
            ],
        },
        schema=QUARANTINE_SCHEMA,
    )
    _insert_frame(con, "raw.quarantine", quarantine)
    log = {
        "source": [source],
        "entity": [FILE_ENTITY],
        "landing_sha256": [f.sha256],
        "file_name": [f.file_name],
        "rows_read": [len(problems)],
        "rows_accepted": [0],
        "rows_quarantined": [len(problems)],
    }
    _insert_frame(con, "raw.load_log", pl.DataFrame(log))


def _record_outcomes(
    con: duckdb.DuckDBPyConnection,
    source: str,
    batch: list[LandedFile],
    recognised=None,
    messages: dict[str, str] | None = None,
) -> None:
    """The outcome of files whose parse returned: loaded (rows per entity), empty (read, no records), or
    refused, when the parser refused the whole file (`refuse_file`) or recognised nothing in it."""
    shas = [f.sha256 for f in batch]
    per_file: dict[str, dict[str, tuple[int, int, int]]] = {}
    for sha, entity, read, accepted, quarantined in con.execute(
        "select landing_sha256, entity, sum(rows_read), sum(rows_accepted), sum(rows_quarantined) from raw.load_log "
        "where source = ? and landing_sha256 in (select unnest(?)) group by all order by all",
        [source, shas],
    ).fetchall():
        per_file.setdefault(sha, {})[entity] = (int(read), int(accepted), int(quarantined))
    whole = {
        sha: (rule, message)
        for sha, rule, message in con.execute(
            "select landing_sha256, min(rule), min(message) from raw.quarantine "
            "where source = ? and record = 'file' and landing_sha256 in (select unnest(?)) group by all",
            [source, shas],
        ).fetchall()
    }
    outcomes = []
    for f in batch:
        entities = per_file.get(f.sha256, {})
        accepted = sum(a for _, a, _ in entities.values())
        quarantined = sum(q for _, _, q in entities.values())
        counts = json.dumps({e: a for e, (_, a, _) in entities.items() if e != FILE_ENTITY}, sort_keys=True)
        nothing = all(r == 0 for r, _, _ in entities.values())
        if not entities or nothing and recognised is not None and not recognised(f):
            outcome, rule = "refused", "file:not_recognised"
            message = (
                f"nothing in it is {source} data this pipeline reads (not a file name or shape the {source} reader "
                f"knows); docs/inputs.md says what each source reads"
            )
            _refusal_rows(con, source, f, FileRefused(rule, message))
            quarantined += 1
        elif accepted == 0 and f.sha256 in whole:
            outcome, (rule, message) = "refused", whole[f.sha256]
        elif all(r == 0 for r, _, _ in entities.values()):
            outcome, rule = "empty", None
            message = (messages or {}).get(f.sha256, "read: the file holds no records")
        else:
            outcome, rule = "loaded", None
            parts = ", ".join(f"{a} {e}" for e, (_, a, _) in entities.items() if e != FILE_ENTITY)
            message = f"loaded: {parts}" + (f"; {quarantined} record(s) quarantined" if quarantined else "")
            if (messages or {}).get(f.sha256):
                message += f" ({messages[f.sha256]})"
        outcomes.append(_outcome(source, f, outcome, rule, message, accepted, quarantined, counts, None))
    _insert_outcomes(con, outcomes)


def _backfill_outcomes(con: duckdb.DuckDBPyConnection, source: str) -> None:
    missing = con.execute(
        "select distinct l.landing_sha256, l.file_name from raw.load_log l where l.source = ? and l.landing_sha256 "
        "not in (select landing_sha256 from raw.file_outcomes where source = ?)",
        [source, source],
    ).fetchall()
    if missing:
        _record_outcomes(con, source, [LandedFile(sha, source, name, 0, "", "") for sha, name in missing])


def files_without_outcome(con: duckdb.DuckDBPyConnection, source: str, landed: list[LandedFile]) -> list[str]:
    """Names of current landed files of the source that have no outcome (must be none)."""
    con.execute(BOOKKEEPING_DDL)
    have = _shas(con, "select landing_sha256 from raw.file_outcomes where source = ?", source)
    return sorted(f.file_name for f in landed if f.sha256 not in have)


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
