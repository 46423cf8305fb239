"""What every source module offers, and the small helpers they share.

A source module (`pipelines/sources/<source>.py`) exposes:

    SOURCE: str                                   # folder name under data/inbox/ and contract name
    def parse(path, file_name, landing_sha256) -> dict[str, Checked]

`parse` reads one landed file in the system's native format and returns, per entity, the rows
accepted by the contract and the rows quarantined (with file, record and rule). It never raises
on bad content: an unreadable file becomes one quarantined record naming the problem.
"""

from __future__ import annotations

import polars as pl

from pipelines.sources.contracts import Checked, TableContract, empty_quarantine, quarantine_rows

UTC_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)


def parse_utc(column: str | pl.Expr) -> pl.Expr:
    """Timestamps in any of the sources' forms (Z, ' UTC', offsets, zone-less = UTC) to naive UTC."""
    text = (pl.col(column) if isinstance(column, str) else column).cast(pl.String).str.strip_chars()
    attempts = []
    for fmt in UTC_FORMATS:
        parsed = text.str.strptime(pl.Datetime("us", "UTC") if "%z" in fmt or fmt.endswith("Z") or "UTC" in fmt
                                   else pl.Datetime("us"), fmt, strict=False)
        if "%z" in fmt or fmt.endswith("Z") or "UTC" in fmt:
            parsed = parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        attempts.append(parsed)
    return pl.coalesce(attempts)


def unreadable(contract: TableContract, landing_sha256: str, file_name: str, error: Exception | str) -> Checked:
    """A whole file that cannot be read: one quarantined record, nothing accepted."""
    message = f"{file_name}: cannot be read as {contract.source} {contract.entity}: {error}"
    return Checked(
        accepted=pl.DataFrame(schema={**contract.polars_schema(), "_landing_sha256": pl.String, "_record": pl.String}),
        quarantined=quarantine_rows(contract, landing_sha256, file_name, ["file"], "file:unreadable", message),
        rows_read=1,
    )


__all__ = ["Checked", "TableContract", "empty_quarantine", "parse_utc", "quarantine_rows", "unreadable"]
