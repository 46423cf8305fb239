"""The TogetherOS platform's own tables (data/inbox/togetheros/<table>.ndjson, or <table>.csv).

One file per table, one JSON object per line, with the raw columns of docs/data-model.md §2 (the
platform's own `id` is accepted for the table's key). A line that is not a JSON object is quarantined
alone; the rest of the file loads. Values a table may hold in the platform's units are converted:
`hours_provided` (decimal hours) to `hours_seconds`, `allocated`/`spent` (major units) to minor units.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import starmap
from pathlib import Path, PurePosixPath

import polars as pl

from pipelines.sources.contracts import Checked, TableContract, load_contract
from pipelines.sources.csv_files import read_csv
from pipelines.sources.dates import duration_seconds
from pipelines.sources.formats import refuse_spreadsheet
from pipelines.sources.money import to_minor
from pipelines.sources.quarantine import (
    Refused,
    check_rows,
    refuse_accepted,
    refuse_file,
    refuse_future,
    rows_frame,
    unreadable,
)
from pipelines.sources.text import decode_text, has_undecodable

SOURCE = "togetheros"
# (function, argument tuples) -> function(*arguments) of each, in order (`itertools.starmap`'s shape)
MapInOrder = Callable[[Callable[..., Checked], Iterable[tuple]], Iterator[Checked]]
# timestamps that record something that happened; planned dates (deadline, target_date, period_end) may
# lie ahead and are not checked against the clock
RECORDED = (
    "created_at",
    "updated_at",
    "voted_at",
    "changed_at",
    "joined_at",
    "decided_at",
    "confirmed_at",
    "last_activity_at",
    "started_at",
    "delivered_at",
    "verified_at",
    "completed_at",
    "deleted_at",
)


def parse(path: Path, file_name: str, landing_sha256: str) -> dict[str, Checked]:
    contracts = load_contract(SOURCE)
    if workbook := refuse_spreadsheet(contracts["groups"], path, file_name, landing_sha256):
        return workbook
    name = PurePosixPath(file_name)
    entity, suffix = name.stem.lower(), name.suffix.lower()
    if entity not in contracts or suffix not in (".ndjson", ".jsonl", ".csv"):
        return {
            "groups": refuse_file(
                contracts["groups"],
                landing_sha256,
                file_name,
                "file:unknown_name",
                f"expected <table>.ndjson or <table>.csv for a table in {sorted(contracts)}",
            )
        }
    contract = contracts[entity]
    try:
        if suffix == ".csv":
            table = read_csv(path)
            records, refused = table.records(), table.refused
        else:
            records, refused = _ndjson_records(decode_text(path.read_bytes()).splitlines())
        return {entity: _check(contract, records, refused, landing_sha256, file_name)}
    except (OSError, ValueError, csv.Error) as error:
        return {entity: unreadable(contract, landing_sha256, file_name, error)}


STREAMED_SUFFIXES = (".ndjson", ".jsonl")  # read a slice at a time: no whole-file size limit (pipelines/raw.py)
SLICE_BYTES = 64 * 1024 * 1024  # an 800 MB table parsed whole needs ~5 GB of memory; a slice, ~0.4


def parse_slices(
    path: Path, file_name: str, landing_sha256: str, map_in_order: MapInOrder | None = None
) -> Iterator[dict[str, Checked]]:
    """`parse`, for an NDJSON table a slice of lines at a time. A key already accepted from an earlier
    slice of the file is a duplicate there, as it would be in one pass. With `map_in_order` (the raw load's
    `Readers.map_in_order`), the slices are parsed by other processes; their keys are still folded here."""
    name = PurePosixPath(file_name)
    entity, contract = name.stem.lower(), load_contract(SOURCE).get(name.stem.lower())
    if contract is None or name.suffix.lower() not in (".ndjson", ".jsonl"):
        yield parse(path, file_name, landing_sha256)
        return
    key = pl.concat_str([pl.col(c).cast(pl.String) for c in contract.key], separator="\x1f")
    seen = pl.Series(dtype=pl.String)
    parse_slice = partial(checked_slice, entity, landing_sha256, file_name)
    try:
        for checked in (map_in_order or starmap)(parse_slice, line_slices(path)):
            if contract.key and seen.len():
                checked = refuse_accepted(
                    checked,
                    contract,
                    landing_sha256,
                    file_name,
                    key.is_in(seen.implode()),
                    f"{'+'.join(contract.key)}:duplicate_key",
                    contract.key[0],
                    "the same key is on an earlier line of the file",
                )
            if contract.key:
                seen = pl.concat([seen, checked.accepted.select(key).to_series()])
            yield {entity: checked}
    except (OSError, ValueError) as error:
        yield {entity: unreadable(contract, landing_sha256, file_name, error)}


def checked_slice(entity: str, landing_sha256: str, file_name: str, first_number: int, lines: list[str]) -> Checked:
    """One slice's lines, parsed and checked against the table's contract (duplicates within it only)."""
    records, refused = _ndjson_records(lines, first_number)
    return _check(load_contract(SOURCE)[entity], records, refused, landing_sha256, file_name)


def line_slices(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(number of the first line, lines) per slice; slices end at a newline, so they split the text
    exactly as one `splitlines` of the whole file does."""
    first_number = 1
    with path.open("rb") as handle:
        while chunk := handle.read(SLICE_BYTES):
            chunk += handle.readline()  # to the end of its last line (a list of lines and a join: 4 s at 10M)
            # a byte-order mark counts only at the start of the file, as in `decode_text`
            text = decode_text(chunk) if first_number == 1 else chunk.decode("utf-8", errors="surrogateescape")
            lines = text.splitlines()
            yield first_number, lines
            first_number += len(lines)


def _ndjson_records(lines: list[str], first_number: int = 1) -> tuple[list[dict], list[Refused]]:
    records, refused = [], []
    for number, line in enumerate(lines, start=first_number):
        if not line.strip():
            continue
        record = str(number)
        if has_undecodable(line):
            refused.append(Refused(record, "encoding:not_utf8", "bytes that are not UTF-8"))
            continue
        try:
            value = json.loads(line)
        except RecursionError:
            refused.append(
                Refused(
                    record, "line:json_depth", "JSON nested deeper than about 1,000 levels: no record nests so deep"
                )
            )
            continue
        except ValueError as error:
            refused.append(
                Refused(record, "line:not_json", f"not JSON ({error.msg} at column {error.colno})", line[:200])
            )
            continue
        if not isinstance(value, dict):
            refused.append(
                Refused(record, "line:not_object", f"a JSON {type(value).__name__}, not an object", line[:200])
            )
            continue
        # nested values (JSONB columns) stay as their JSON text; a line without a second `{` or a `[` has none
        if line.count("{") > 1 or "[" in line:
            value = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in value.items()}
        value["_record"] = record
        records.append(value)
    return records, refused


def _normalise(contract: TableContract, row: dict) -> dict:
    """The platform's names and units to the raw table's."""
    row = dict(row)
    if len(contract.key) == 1 and contract.key[0] not in row and "id" in row:
        row[contract.key[0]] = row["id"]
    if contract.entity == "timebank_transactions" and row.get("hours_seconds") in (None, ""):
        hours = row.get("hours_provided")
        if hours not in (None, ""):
            seconds = duration_seconds(hours)
            row["hours_seconds"] = hours if seconds is None else seconds  # unreadable: the contract says so
    if contract.entity == "budgets":
        for column in ("allocated", "spent"):
            if row.get(f"{column}_minor") in (None, "") and row.get(column) not in (None, ""):
                minor = to_minor(row[column], row.get("currency"))
                row[f"{column}_minor"] = minor if minor is not None else row[column]
    return row


def _check(contract: TableContract, records: list[dict], refused: list[Refused], sha: str, file_name: str) -> Checked:
    frame = rows_frame([_normalise(contract, r) for r in records], [c.name for c in contract.columns])
    checked = check_rows(contract, frame, sha, file_name, refused)
    columns = [c.name for c in contract.columns if c.name in RECORDED]
    checked = refuse_future(checked, contract, sha, file_name, columns)
    if contract.entity == "timebank_transactions":
        checked = refuse_accepted(
            checked,
            contract,
            sha,
            file_name,
            pl.col("provider_id") == pl.col("receiver_id"),
            "timebank:same_person",
            "provider_id",
            "provider and receiver must differ",
        )
    return checked
