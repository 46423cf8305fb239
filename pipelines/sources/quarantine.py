"""Rows checked against their source contract: accepted, or quarantined with file, record and rule.

Parsers hand over the rows they could read (`check_rows`, `check_batch` for many files at once) and the
records they refused themselves (`Refused`); rules a contract cannot state move accepted rows to
quarantine afterwards (`refuse_accepted`, `refuse_future`). A whole unreadable file is one quarantined
record (`unreadable`, `refuse_file`), or, from anywhere inside a parser, `refuse(rule, message)`: the raw load
then records the file as refused with that rule and message (its outcome in `raw.file_outcomes`), and
goes on with the next file.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import polars as pl

from pipelines.sources.contracts import QUARANTINE_SCHEMA, Checked, TableContract, apply_contract
from pipelines.sources.dates import parse_first_form
from pipelines.sources.text import printable


class FileRefused(Exception):
    """A whole landed file refused: `rule` (e.g. `format:excel`) and a message that says what to do
    (e.g. "an Excel workbook: export the sheet as CSV (UTF-8) and put that in the inbox")."""

    def __init__(self, rule: str, message: str, record: str = "file"):
        super().__init__(f"{rule}: {message}")
        self.rule, self.message, self.record = rule, message, record

    def __reduce__(self):  # whole, with its detail, from a reader process (pipelines/raw_readers.py)
        return (FileRefused, (self.rule, self.message, self.record), self.__dict__)


def refuse(rule: str, message: str, record: str = "file") -> NoReturn:
    """Refuse the file being parsed, from anywhere in a parser: nothing of it is loaded, and its outcome
    names the rule and the message. The message must not quote personal data (it is published)."""
    raise FileRefused(rule, message, record)


def as_refusal(error: BaseException, source: str) -> FileRefused:
    """An exception raised while reading a file, as the file's refusal: rule and a message a user can act
    on. Unexpected errors name only their kind (the text may quote the file's content, and the message
    is published); the full text is kept in `raw.file_outcomes.detail`."""
    if isinstance(error, FileRefused):
        refusal = error
    elif isinstance(error, RecursionError):
        refusal = FileRefused(
            "limit:json_depth",
            "JSON nested deeper than the reader allows (about 1,000 arrays or objects inside each other): "
            "no export nests that deep, so the file is damaged or built to break readers; export it again",
        )
    elif isinstance(error, MemoryError):
        refusal = FileRefused(
            "limit:memory",
            "reading the file needs more memory than the run may use; split the export into smaller files",
        )
    elif isinstance(error, UnicodeDecodeError):
        refusal = FileRefused("encoding:not_utf8", "the file is not UTF-8 text; export it again as UTF-8")
    elif isinstance(error, zipfile.BadZipFile | EOFError):
        refusal = FileRefused("file:truncated", "the archive is damaged or cut short; download the export again")
    elif isinstance(error, csv.Error):
        refusal = FileRefused(
            "file:unreadable_csv", "the CSV cannot be read (a field or line beyond the limits, or broken quoting)"
        )
    else:
        refusal = FileRefused(
            "file:unexpected_error",
            f"reading it failed ({type(error).__name__}); the file is kept unchanged in landing. The rest of "
            f"the {source} data loaded; report this file to the operators: the reader does not know its shape",
        )
    if getattr(refusal, "detail", None) is None:  # a refusal made of an error in a reader process has it
        refusal.detail = f"{type(error).__name__}: {error}"[:1000]
    return refusal


@dataclass(frozen=True)
class Refused:
    """A record a parser refuses itself (unreadable line, cross-row rule), with the rule it broke."""

    record: str
    rule: str
    detail: str
    value: str | None = None
    column_name: str | None = None
    landing_sha256: str | None = None  # set when the row came from a batch of many files
    file_name: str | None = None


def _refused_frame(
    contract: TableContract, landing_sha256: str, file_name: str, refused: list[Refused]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": [contract.source] * len(refused),
            "entity": [contract.entity] * len(refused),
            "landing_sha256": [r.landing_sha256 or landing_sha256 for r in refused],
            "file_name": [r.file_name or file_name for r in refused],
            "record": [r.record for r in refused],
            "rule": [r.rule for r in refused],
            "column_name": [r.column_name for r in refused],
            "value": [None if r.value is None else printable(str(r.value)[:200]) for r in refused],
            "message": [
                printable(
                    f"{contract.table}: record {r.record} of {r.file_name or file_name} breaks rule "
                    f"{r.rule}: {r.detail}"
                )
                for r in refused
            ],
        },
        schema=QUARANTINE_SCHEMA,
    )


def unreadable(contract: TableContract, landing_sha256: str, file_name: str, error: Exception | str) -> Checked:
    """A whole file that cannot be read: one quarantined record, nothing accepted."""
    return refuse_file(
        contract,
        landing_sha256,
        file_name,
        "file:unreadable",
        f"cannot be read as {contract.source} {contract.entity}: {error}",
    )


def refuse_file(contract: TableContract, landing_sha256: str, file_name: str, rule: str, detail: str) -> Checked:
    """A whole file refused for one reason (wrong header, unknown layout): one quarantined record."""
    return Checked(
        accepted=pl.DataFrame(schema={**contract.polars_schema(), "_landing_sha256": pl.String, "_record": pl.String}),
        quarantined=_refused_frame(contract, landing_sha256, file_name, [Refused("file", rule, detail)]),
        rows_read=1,
    )


def rows_frame(rows: list[dict[str, object]], columns: Iterable[str]) -> pl.DataFrame:
    """Raw values (strings, numbers, None) as a frame of the given columns plus `_record`, all as text."""
    columns = [*columns, "_record"]
    return pl.DataFrame(
        {c: [None if (v := r.get(c)) is None else str(v) for r in rows] for c in columns},
        schema={c: pl.String for c in columns},
    )


def parse_temporal(frame: pl.DataFrame, contract: TableContract) -> tuple[pl.DataFrame, list[Refused]]:
    """Text date and timestamp columns to typed UTC values (polars cannot cast text to them); a value that
    is present but not a date or timestamp refuses its row with rule `<column>:type:<type>` (the first
    such column's) instead of silently becoming null."""
    temporal = [
        c for c in contract.columns if c.logical_type in ("date", "timestamp") and frame.schema.get(c.name) == pl.String
    ]
    if not temporal:
        return frame, []
    texts = frame.select(pl.col(c.name).str.strip_chars() for c in temporal)
    typed = [parse_first_form(texts[c.name], c.logical_type).alias(f"__typed_{c.name}") for c in temporal]
    rule, column, value = (pl.lit(None, dtype=pl.String),) * 3
    for c in reversed(temporal):
        text = pl.col(c.name).str.strip_chars()
        failed = (text.fill_null("").ne("") & pl.col(f"__typed_{c.name}").is_null()).fill_null(False)
        rule = pl.when(failed).then(pl.lit(f"{c.name}:type:{c.logical_type}")).otherwise(rule)
        column = pl.when(failed).then(pl.lit(c.name)).otherwise(column)
        value = pl.when(failed).then(text).otherwise(value)
    marked = frame.with_columns(typed).with_columns(_rule=rule, _column=column, _value=value)
    broken = marked.filter(pl.col("_rule").is_not_null())
    lineage = [c for c in ("_landing_sha256", "_file_name") if c in frame.columns]
    refused = [
        Refused(str(record), r, f"{val!r} is not a {r.rsplit(':', 1)[1]}", val, col, *origin)
        for record, r, col, val, *origin in broken.select("_record", "_rule", "_column", "_value", *lineage).iter_rows()
    ]
    good = marked.filter(pl.col("_rule").is_null()) if broken.height else marked
    good = good.with_columns(pl.col(t.name).alias(c.name) for t, c in zip(typed, temporal, strict=True))
    return good.drop("_rule", "_column", "_value", *(t.name for t in typed)), refused


def check_rows(
    contract: TableContract,
    frame: pl.DataFrame,
    landing_sha256: str,
    file_name: str,
    refused: Iterable[Refused] = (),
) -> Checked:
    """`apply_contract` on the rows a parser could read, plus quarantine records for those it refused."""
    frame, unparsed = parse_temporal(frame, contract)
    refused = [*refused, *unparsed]
    checked = apply_contract(frame, contract, landing_sha256, file_name)
    if not refused:
        return checked
    return Checked(
        accepted=checked.accepted,
        quarantined=pl.concat([checked.quarantined, _refused_frame(contract, landing_sha256, file_name, refused)]),
        rows_read=checked.rows_read + len(refused),
        notes=checked.notes,
    )


def check_batch(contract: TableContract, parts: Iterable[tuple[list[dict], str, str, list[Refused]]]) -> Checked:
    """`check_rows` over the rows of many files at once: (rows, landing_sha256, file_name, refused) per
    file. One frame and one contract pass instead of one per file, which is what many small API pages need."""
    parts = list(parts)
    frame = rows_frame([row for rows, *_ in parts for row in rows], [c.name for c in contract.columns])
    frame = frame.with_columns(
        _landing_sha256=pl.Series([sha for rows, sha, _, _ in parts for _ in rows], dtype=pl.String),
        _file_name=pl.Series([name for rows, _, name, _ in parts for _ in rows], dtype=pl.String),
    )
    frame, unparsed = parse_temporal(frame, contract)
    checked = apply_contract(frame, contract, None, None)
    refused = [
        Refused(**{**r.__dict__, "landing_sha256": sha, "file_name": name}) for _, sha, name, rs in parts for r in rs
    ] + unparsed
    return Checked(
        accepted=checked.accepted,
        quarantined=pl.concat([checked.quarantined, _refused_frame(contract, "", "", refused)]),
        rows_read=checked.rows_read + len(refused),
        notes=checked.notes,
    )


def refuse_accepted(
    checked: Checked,
    contract: TableContract,
    landing_sha256: str,
    file_name: str,
    failed: pl.Expr,
    rule: str,
    column_name: str,
    detail: str,
) -> Checked:
    """Move accepted rows for which `failed` holds to quarantine (rules a contract cannot state)."""
    mask = checked.accepted.select(failed.fill_null(False)).to_series()
    if not mask.any():
        return checked
    moved = checked.accepted.filter(mask)
    refused = [
        Refused(
            str(row["_record"]), rule, detail, None if row[column_name] is None else str(row[column_name]), column_name
        )
        for row in moved.iter_rows(named=True)
    ]
    return Checked(
        accepted=checked.accepted.filter(~mask),
        quarantined=pl.concat([checked.quarantined, _refused_frame(contract, landing_sha256, file_name, refused)]),
        rows_read=checked.rows_read,
        notes=checked.notes,
    )


FUTURE_TOLERANCE = timedelta(days=1)  # clock skew between the source system and us


def refuse_future(
    checked: Checked,
    contract: TableContract,
    landing_sha256: str,
    file_name: str,
    columns: Iterable[str],
    now: datetime | None = None,
) -> Checked:
    """Quarantine rows dated more than a day after the moment of parsing: records do not come from the
    future.

    Planned dates (deadlines, budget periods, milestone targets) are not passed here."""
    limit = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None) + FUTURE_TOLERANCE
    for column in columns:
        checked = refuse_accepted(
            checked,
            contract,
            landing_sha256,
            file_name,
            pl.col(column).cast(pl.Datetime("us")) > limit,
            f"{column}:future",
            column,
            f"{column} is more than a day after the moment of parsing (limit {limit:%Y-%m-%d %H:%M} UTC)",
        )
    return checked


def combine(parts: Iterable[Checked]) -> Checked:
    """One entity's rows checked in several batches, as one outcome."""
    parts = list(parts)
    return Checked(
        accepted=pl.concat([p.accepted for p in parts], how="vertical_relaxed"),
        quarantined=pl.concat([p.quarantined for p in parts]),
        rows_read=sum(p.rows_read for p in parts),
        notes=[n for p in parts for n in p.notes],
    )
