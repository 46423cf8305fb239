"""Dates, timestamps and durations as the sources write them, parsed to UTC, dates and integer seconds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import polars as pl

from pipelines.sources.contracts import POLARS_TYPES

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


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


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


def parse_date(column: str | pl.Expr) -> pl.Expr:
    """A calendar date: `2024-03-05`, `2024/03/05`, or the UTC date of any timestamp form."""
    return pl.coalesce(_temporal_forms(_stripped(column), "date"))


def parse_first_form(text: pl.Series, logical_type: str) -> pl.Series:
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
