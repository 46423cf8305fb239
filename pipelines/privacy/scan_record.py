"""What the last clean scan examined, so that the next scan examines only what is new.

A value's findings depend on the value, the terms searched and the scanner's code, nothing else. After a
release scanned clean, each distinct value it held is kept with the terms it was searched for. The next
scan by the same code looks for patterns only in values not kept, and searches a kept value only for the
terms added since: a person who appeared since can make an old value identifying; a term removed cannot.
The file holds the terms (personal data): it lives in the private warehouse/ folder, never in a release.
Its name carries a digest of the scanner's code, so changing the scanner starts again from nothing.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.privacy import patterns

RECORD_GLOB = "privacy-scan-*.parquet"
KIND_VALUE, KIND_TERM = "value", "term"


@dataclass(frozen=True)
class ScanRecord:
    values: frozenset[str]  # every distinct value the clean scan examined
    terms: frozenset[str]  # the terms it searched them for


def _code_digest() -> str:
    scan = Path(__file__).with_name("scan.py")
    code = b"\n".join(path.read_bytes() for path in (scan, Path(patterns.__file__), Path(__file__)))
    return hashlib.sha256(code).hexdigest()[:16]


def record_path(record_dir: Path) -> Path:
    return record_dir / f"privacy-scan-{_code_digest()}.parquet"


def _encoded(values: frozenset[str] | set[str]) -> list[bytes]:
    # values read from JSON can hold lone surrogates, which no UTF-8 column accepts
    return [value.encode("utf-8", "surrogatepass") for value in values]


def load(record_dir: Path) -> ScanRecord | None:
    """The record of the last clean scan by this code, or None (none yet, or unreadable: scan everything)."""
    path = record_path(record_dir)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return None
    kept = {}
    for kind in (KIND_VALUE, KIND_TERM):
        values = table.filter(pc.equal(table["kind"], kind))["value"]
        try:  # valid UTF-8 (nearly always): Arrow decodes it at once
            kept[kind] = frozenset(values.cast(pa.string()).to_pylist())
        except pa.ArrowInvalid:
            kept[kind] = frozenset(value.decode("utf-8", "surrogatepass") for value in values.to_pylist())
    return ScanRecord(kept[KIND_VALUE], kept[KIND_TERM])


def save(record_dir: Path, values: set[str], terms: set[str]) -> None:
    """Keep what a clean scan examined (replacing the earlier record), written whole or not at all."""
    record_dir.mkdir(parents=True, exist_ok=True)
    path = record_path(record_dir)
    for stale in record_dir.glob(RECORD_GLOB):  # another scanner's record can never be used again
        if stale != path:
            stale.unlink()
    table = pa.table(
        {
            "kind": [KIND_VALUE] * len(values) + [KIND_TERM] * len(terms),
            "value": pa.array(_encoded(values) + _encoded(terms), pa.binary()),
        }
    )
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial)
    os.replace(partial, path)
