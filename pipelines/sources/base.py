"""What every source module offers, and the small helpers they share.

A source module (`pipelines/sources/<source>.py`) exposes:

    SOURCE: str                                   # folder name under data/inbox/ and contract name
    def parse(path, file_name, landing_sha256) -> dict[str, Checked]

`parse` reads one landed file in the system's native format and returns, per entity, the rows
accepted by the contract and the rows quarantined (with file, record and rule). It never raises
on bad content: an unreadable file becomes one quarantined record naming the problem.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from pipelines.sources.contracts import (
    POLARS_TYPES,
    QUARANTINE_SCHEMA,
    Checked,
    TableContract,
    apply_contract,
)

UTC_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",  # PostgreSQL `timestamp without time zone` in a CSV export
    "%Y-%m-%d %H:%M:%S",
)


def _temporal_forms(text: pl.Expr, logical_type: str) -> list[pl.Expr]:
    """Every form a timestamp (Z, ' UTC', offsets, zone-less = UTC) or a date may take, in order of
    preference, each parsed from `text` to naive UTC or a date (null where it is not that form)."""
    timestamps = []
    for fmt in UTC_FORMATS:
        zoned = "%z" in fmt or fmt.endswith("Z") or "UTC" in fmt
        parsed = text.str.strptime(pl.Datetime("us", "UTC") if zoned else pl.Datetime("us"), fmt, strict=False)
        timestamps.append(parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None) if zoned else parsed)
    if logical_type == "timestamp":
        return timestamps
    return [*(text.str.strptime(pl.Date, f, strict=False) for f in DATE_FORMATS), *(t.dt.date() for t in timestamps)]


def _stripped(column: str | pl.Expr) -> pl.Expr:
    return (pl.col(column) if isinstance(column, str) else column).cast(pl.String).str.strip_chars()


def parse_utc(column: str | pl.Expr) -> pl.Expr:
    """Timestamps in any of the sources' forms (Z, ' UTC', offsets, zone-less = UTC) to naive UTC."""
    return pl.coalesce(_temporal_forms(_stripped(column), "timestamp"))


def unreadable(contract: TableContract, landing_sha256: str, file_name: str, error: Exception | str) -> Checked:
    """A whole file that cannot be read: one quarantined record, nothing accepted."""
    return refuse_file(
        contract,
        landing_sha256,
        file_name,
        "file:unreadable",
        f"cannot be read as {contract.source} {contract.entity}: {error}",
    )


# --- rows refused before or after the contract check -------------------------------------------


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


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def parse_date(column: str | pl.Expr) -> pl.Expr:
    """A calendar date: `2024-03-05`, `2024/03/05`, or the UTC date of any timestamp form."""
    return pl.coalesce(_temporal_forms(_stripped(column), "date"))


def _parse_first_form(text: pl.Series, logical_type: str) -> pl.Series:
    """`pl.coalesce` of the forms on stripped `text`, but each form is tried only on the values no earlier
    form could read: nearly all values read as one of the first forms, and trying all ten or twelve on
    every value was most of the raw load's time. Empty and null text stays null."""
    pending = text.to_frame("text").with_row_index("row").filter(pl.col("text") != "")
    found = []
    for form in _temporal_forms(pl.col("text"), logical_type):
        if not pending.height:
            break
        attempt = pending.with_columns(typed=form)
        found.append(attempt.filter(pl.col("typed").is_not_null()).select("row", "typed"))
        pending = attempt.filter(pl.col("typed").is_null()).drop("typed")
    typed = pl.repeat(None, text.len(), dtype=POLARS_TYPES[logical_type], eager=True).alias(text.name)
    if found:
        parsed = pl.concat(found)
        typed.scatter(parsed["row"], parsed["typed"])
    return typed


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
    typed = [_parse_first_form(texts[c.name], c.logical_type).alias(f"__typed_{c.name}") for c in temporal]
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


# --- text and CSV files ---------------------------------------------------------------------------

NOT_UTF8 = "encoding:not_utf8"


def decode_text(raw: bytes) -> str:
    """UTF-8 with an optional BOM. Undecodable bytes survive as lone surrogates so the lines that hold
    them can be refused one by one (`has_undecodable`) instead of guessing an encoding."""
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")


UNDECODABLE = re.compile("[\udc80-\udcff]")  # the lone surrogates `decode_text` leaves for bytes not UTF-8


def has_undecodable(text: str) -> bool:
    return not text.isascii() and UNDECODABLE.search(text) is not None  # isascii is instant, a search is not


def printable(text: str) -> str:
    """Text fit for a quarantine record: undecodable bytes shown as \\xNN."""
    return (
        text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if has_undecodable(text) else text
    )


@dataclass
class CsvRows:
    header: list[str]
    rows: list[tuple[str, list[str]]]  # (record = line number where the row starts, fields)
    refused: list[Refused]
    separator: str

    def records(self, header: list[str] | None = None) -> list[dict[str, str]]:
        """Each row as {column: value, "_record": line}, under `header` (renamed columns) or the file's."""
        names = header or self.header
        return [{**dict(zip(names, fields, strict=True)), "_record": record} for record, fields in self.rows]


MAX_CSV_FIELD = 16 * 1024 * 1024  # beyond the contracts' length rules, so those rules report oversize fields
csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))


def sniff_separator(header_line: str, candidates: str = ",;") -> str:
    """The candidate separator that occurs most often in the header line (`,` on a tie)."""
    return max(candidates, key=lambda sep: (header_line.count(sep), sep == ","))


def read_csv(path: Path, separators: str = ",;", header: list[str] | None = None) -> CsvRows:
    """Read a CSV export: BOM stripped, separator sniffed, every data line kept with its line number.

    Rows whose field count differs from the header (truncated line, stray separator) and rows with
    bytes that are not UTF-8 are refused here, so the caller quarantines them. Blank lines are skipped.
    With `header`, the file has no header line and these are its columns."""
    text = decode_text(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    separator = sniff_separator(first_line, separators)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    names = header
    rows: list[tuple[str, list[str]]] = []
    refused: list[Refused] = []
    start = 1
    for fields in reader:
        record = str(start)
        start = reader.line_num + 1
        if not fields or fields == [""]:
            continue
        if names is None:
            names = [f.strip() for f in fields]
            continue
        if has_undecodable(separator.join(fields)):
            refused.append(Refused(record, NOT_UTF8, "bytes that are not UTF-8 (export the file as UTF-8)"))
        elif len(fields) != len(names):
            refused.append(
                Refused(
                    record,
                    "row:field_count",
                    f"{len(fields)} fields where the header has {len(names)} "
                    f"(truncated line or a separator other than {separator!r})",
                    separator.join(fields)[:200],
                )
            )
        else:
            rows.append((record, fields))
    return CsvRows(header=names or [], rows=rows, refused=refused, separator=separator)


def rows_frame(rows: list[dict[str, object]], columns: Iterable[str]) -> pl.DataFrame:
    """Raw values (strings, numbers, None) as a frame of the given columns plus `_record`, all as text."""
    columns = [*columns, "_record"]
    return pl.DataFrame(
        {c: [None if (v := r.get(c)) is None else str(v) for r in rows] for c in columns},
        schema={c: pl.String for c in columns},
    )


def refuse_file(contract: TableContract, landing_sha256: str, file_name: str, rule: str, detail: str) -> Checked:
    """A whole file refused for one reason (wrong header, unknown layout): one quarantined record."""
    return Checked(
        accepted=pl.DataFrame(schema={**contract.polars_schema(), "_landing_sha256": pl.String, "_record": pl.String}),
        quarantined=_refused_frame(contract, landing_sha256, file_name, [Refused("file", rule, detail)]),
        rows_read=1,
    )


def check_csv(
    path: Path,
    file_name: str,
    landing_sha256: str,
    contract: TableContract,
    aliases: dict[str, str] | None = None,
) -> Checked:
    """A CSV whose header names the contract's columns (or `aliases` of them, matched case-insensitively).

    A header without every required column refuses the whole file (`header:missing_columns`): the
    usual cause is a separator other than `,`/`;` or a renamed column, and guessing would invent data."""
    table = read_csv(path)
    names = {c.name: c.name for c in contract.columns} | (aliases or {})
    by_lower = {k.lower(): v for k, v in names.items()}
    header = [by_lower.get(h.lower(), h) for h in table.header]
    missing = [c.name for c in contract.columns if c.required and c.name not in header]
    if missing:
        return refuse_file(
            contract,
            landing_sha256,
            file_name,
            "header:missing_columns",
            f"header {table.header[:12]} lacks required column(s) {missing}",
        )
    frame = rows_frame(table.records(header), [c.name for c in contract.columns])
    return check_rows(contract, frame, landing_sha256, file_name, table.refused)


# --- time ----------------------------------------------------------------------------------------

HOURS_MINUTES = re.compile(r"^(-?)(\d+):([0-5]\d)$")


def duration_seconds(text: str | int | float | None) -> int | None:
    """Hours as integer seconds: "1:30" (H:MM) or decimal hours ("1.5", "1,5", 1.5), rounded to the second;
    None if neither."""
    text = "" if text is None or isinstance(text, bool) else str(text).strip()
    match = HOURS_MINUTES.match(text)
    if match:
        sign = -1 if match.group(1) else 1
        return sign * (int(match.group(2)) * 3600 + int(match.group(3)) * 60)
    try:
        hours = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return int((hours * 3600).to_integral_value()) if hours.is_finite() else None


# --- money ----------------------------------------------------------------------------------------

# ISO 4217 minor-unit exponents; every other listed currency has 2. An unknown code is refused.
ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}
THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
TWO_DECIMAL = set(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL
HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD
SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS
VES WST XCD YER ZAR ZMW ZWG
""".split()
)
CURRENCY_EXPONENTS = {
    **{c: 2 for c in TWO_DECIMAL},
    **{c: 0 for c in ZERO_DECIMAL},
    **{c: 3 for c in THREE_DECIMAL},
}
CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}


def to_minor(amount: str | int | float | Decimal | None, currency: str | None) -> int | None:
    """A major-unit amount as integer minor units of `currency`; None when the currency is unknown or the
    amount is not a number or has more decimals than the currency allows (never rounded away)."""
    exponent = CURRENCY_EXPONENTS.get((currency or "").upper())
    if exponent is None or amount is None or isinstance(amount, bool):
        return None
    try:
        value = Decimal(str(amount).strip().replace(",", "")) * (Decimal(10) ** exponent)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


__all__ = [
    "CURRENCY_EXPONENTS",
    "Checked",
    "CsvRows",
    "Refused",
    "TableContract",
    "check_rows",
    "combine",
    "decode_text",
    "duration_seconds",
    "check_batch",
    "parse_utc",
    "read_csv",
    "refuse_accepted",
    "refuse_future",
    "rows_frame",
    "to_minor",
    "unreadable",
]
