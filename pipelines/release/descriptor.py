"""The Frictionless Data Package v2 descriptor of a release.

frictionless-py 5.21 behaviour this layout relies on (pinned by tests/release/test_frictionless.py):
- `hash: "sha256:<hex>"` and `bytes` are checked for resources read as a byte stream: CSV tables and
  `type: "file"` resources. Parquet read as a table goes through pyarrow, so frictionless would report
  "byte-count: actual None" and skip the hash. Parquet resources are therefore `type: "file"`.
- `rows` is checked on tables but reported as a row-count error on file resources, so the Parquet row
  count is published as `togetheros:rows` (and checked by our verifier); the CSV carries `rows`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pipelines.release.hashing import sha256_file
from pipelines.release.layout import DATA_DIR, LINEAGE, QUALITY_REPORT
from pipelines.release.tables import WrittenDataset, table_schema_type

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
LICENSES = {
    "ODbL-1.0": {
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "Open Data Commons Open Database License 1.0",
    },
    "CC-BY-4.0": {
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "Creative Commons Attribution 4.0",
    },
    "CC0-1.0": {"path": "https://creativecommons.org/publicdomain/zero/1.0/", "title": "CC0 1.0 Universal"},
    "PDDL-1.0": {
        "path": "https://opendatacommons.org/licenses/pddl/1-0/",
        "title": "Open Data Commons Public Domain Dedication and License 1.0",
    },
}


def table_schema(written: WrittenDataset, docs: Mapping) -> dict:
    fields = [
        {"name": name, "type": table_schema_type(kind), "description": docs["columns"][name]}
        for name, kind in written.columns
    ]
    return {"fields": fields, "primaryKey": list(docs["primary_key"])}


def dataset_resources(release_dir: Path, name: str, written: WrittenDataset, docs: Mapping) -> list[dict]:
    """The Parquet and CSV resources of one dataset, with bytes and hashes read from the written files."""
    schema = table_schema(written, docs)
    parquet, csv = f"{DATA_DIR}/{name}.parquet", f"{DATA_DIR}/{name}.csv"

    def measured(path: str) -> dict:
        return {
            "bytes": (release_dir / path).stat().st_size,
            "hash": f"sha256:{sha256_file(release_dir / path)}",
        }

    return [
        {
            "name": name,
            "type": "file",
            "path": parquet,
            "format": "parquet",
            "mediatype": PARQUET_MEDIATYPE,
            "description": docs["description"],
            **measured(parquet),
            "togetheros:rows": written.rows,
            "schema": schema,
        },
        {
            "name": f"{name}-csv",
            "type": "table",
            "path": csv,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": f"{docs['description']} (CSV copy of {name}; text cells that "
            "start with = + - @ tab or CR carry a leading apostrophe)",
            **measured(csv),
            "rows": written.rows,
            "schema": schema,
        },
    ]


def license_entry(license_id: str) -> dict:
    return {"name": license_id, **LICENSES.get(license_id, {})}


def resource_rows(resource: Mapping) -> int | None:
    """The published row count of a resource, wherever this layout puts it."""
    return resource.get("rows", resource.get("togetheros:rows"))


def build_descriptor(
    *,
    release_id: str,
    created: str,
    resources: list[dict],
    license_id: str,
    metrics: list[dict],
    min_count: int,
    lineage_files: int,
    previous: dict | None,
    code_commit: str,
    engine_versions: dict,
    data_as_of: str,
    signing: dict,
    quality_status: str,
    recompute_rules: list[dict],
    quality_reused: list[str] | None = None,
) -> dict:
    quality = {"status": quality_status, "report": QUALITY_REPORT}
    if quality_reused is not None:
        # datasets whose earlier passed result was reused: same content, same checks (quality.py)
        quality["reused"] = quality_reused
    return {
        "$schema": PROFILE,
        "name": "togetheros-transparency",
        "id": release_id,
        "title": "TogetherOS Transparency: public participation, decision and treasury datasets",
        "created": created,
        "version": release_id,
        "licenses": [license_entry(license_id)],
        "resources": resources,
        "togetheros:metrics": metrics,
        "togetheros:suppression": {
            "min_count": min_count,
            "rule": f"A count of people below {min_count} is published as null with is_suppressed = true.",
        },
        # the entries are the `lineage` resource: the descriptor stays small however many files landed
        "togetheros:lineage": {"resource": "lineage", "path": LINEAGE, "files": lineage_files},
        "togetheros:previous": previous,
        "togetheros:code": {"git_commit": code_commit},
        "togetheros:engines": engine_versions,
        "togetheros:data_as_of": data_as_of,
        "togetheros:signing": signing,
        "togetheros:quality": quality,
        "togetheros:recompute": recompute_rules,
    }


def dump_json(document: object) -> bytes:
    """Stable JSON bytes: the same document always gives the same bytes."""
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode()
