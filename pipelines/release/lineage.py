"""The release's lineage: the landing files (or member releases) it was built from, as `lineage.csv`.

A data resource of its own, hashed like the datasets, so the descriptor stays small: at 10M events the
lineage lists 300,000 files, which inside `datapackage.json` made it 55 MB to write, sign and scan."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from pipelines.release.hashing import sha256_file
from pipelines.release.layout import LINEAGE

RESOURCE = "lineage"
# columns every lineage has, in this order; any other key an entry carries (a hub's key_id) follows
BASE_COLUMNS = ("source", "file_name", "sha256", "bytes")
INTEGER_COLUMNS = frozenset({"bytes"})
DESCRIPTIONS = {
    "source": "the source system the file came from (federation/<member> for a member release)",
    "file_name": "the file's name as it arrived (a member release: its release id)",
    "sha256": "SHA-256 of the landed bytes (a member release: of its datapackage.json)",
    "bytes": "size of the landed file",
}


def lineage_columns(lineage: list[Mapping]) -> list[str]:
    present = {key for entry in lineage for key in entry}
    base = [c for c in BASE_COLUMNS if c != "bytes" or c in present]
    return base + sorted(present - set(BASE_COLUMNS))


def lineage_csv(lineage: list[Mapping]) -> bytes:
    """Stable CSV bytes: one row per entry, in the order given (write_release sorts them)."""
    columns = lineage_columns(lineage)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for entry in lineage:
        writer.writerow(["" if entry.get(c) is None else entry[c] for c in columns])
    return out.getvalue().encode()


def lineage_resource(release_dir: Path, lineage: list[Mapping]) -> dict:
    """The Frictionless resource of `lineage.csv`, with bytes and hash read from the written file."""
    path = release_dir / LINEAGE
    fields = [
        {
            "name": c,
            "type": "integer" if c in INTEGER_COLUMNS else "string",
            "description": DESCRIPTIONS.get(c, c.replace("_", " ")),
        }
        for c in lineage_columns(lineage)
    ]
    return {
        "name": RESOURCE,
        "type": "table",
        "path": LINEAGE,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": "The inputs this release was built from (landing files or member releases), with SHA-256",
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
        "rows": len(lineage),
        "schema": {"fields": fields},
    }


def read_lineage(release_dir: Path) -> list[dict]:
    """The lineage entries of a release (empty cells left out, integers as int)."""
    with (Path(release_dir) / LINEAGE).open(newline="", encoding="utf-8") as handle:
        return [
            {k: int(v) if k in INTEGER_COLUMNS else v for k, v in row.items() if v != ""}
            for row in csv.DictReader(handle)
        ]
