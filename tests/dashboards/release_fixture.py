"""A small but realistic release on disk, in the layout the release writer produces.

Four-level hierarchy (federation → nation → region → city), twelve months of rolled-up figures, one
suppressed cell (Grenoble, June 2025), one city with no data at all (Annecy), two currencies.
The rows are kept in `FixtureRelease.tables` so tests compute their expectations from them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import nacl.signing
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

MIN_COUNT = 5
RELEASE_ID = "2025-07-02T060000Z-3f9c2a1b"
MONTHS = [date(2024 + (6 + m) // 12, (6 + m) % 12 + 1, 1) for m in range(12)]  # Jul 2024 … Jun 2025
SUPPRESSED_CELL = ("city-grenoble", date(2025, 6, 1))

GROUPS = [
    ("fed", "TogetherOS Federation", "global", None),
    ("nat-fr", "France", "national", "fed"),
    ("nat-es", "Spain", "national", "fed"),
    ("reg-ara", "Auvergne-Rhône-Alpes", "regional", "nat-fr"),
    ("reg-cat", "Catalonia", "regional", "nat-es"),
    ("city-lyon", "Lyon", "local", "reg-ara"),
    ("city-grenoble", "Grenoble", "local", "reg-ara"),
    ("city-annecy", "Annecy", "local", "reg-ara"),
    ("city-barcelona", "Barcelona", "local", "reg-cat"),
]
# Groups with their own activity; Annecy has none, so it gives the empty result.
_CITY_PROPOSALS = {
    "city-lyon": {
        "draft": 3,
        "research": 1,
        "deliberation": 2,
        "voting": 1,
        "decided": 4,
        "delivery": 2,
        "reviewed": 1,
    },
    "city-grenoble": {"draft": 2, "decided": 1, "delivery": 1},
    "city-barcelona": {
        "draft": 1,
        "deliberation": 3,
        "voting": 2,
        "decided": 5,
        "delivery": 3,
        "archived": 2,
    },
    "fed": {"deliberation": 1, "decided": 2},
}

_S, _I, _D, _B = pa.string(), pa.int64(), pa.date32(), pa.bool_()
SCHEMAS = {
    "groups": pa.schema({"group_id": _S, "name": _S, "level": _S, "parent_id": _S}),
    "participation_monthly": pa.schema(
        {"group_id": _S, "month": _D, "active_members": _I, "is_suppressed": _B}
    ),
    "proposals_by_stage": pa.schema({"group_id": _S, "stage": _S, "proposals": _I}),
    "treasury_monthly": pa.schema(
        {"group_id": _S, "month": _D, "currency": _S, "inflow_minor": _I, "outflow_minor": _I}
    ),
    "load_audit": pa.schema(
        {
            "source": _S,
            "entity": _S,
            "files": _I,
            "rows_read": _I,
            "rows_accepted": _I,
            "rows_quarantined": _I,
        }
    ),
    "quarantine_reasons": pa.schema({"source": _S, "entity": _S, "rule": _S, "records": _I}),
}

METRICS = [
    {"name": "active_members", "label": "Active members", "resource": "participation_monthly",
     "field": "active_members", "unit": "people", "grain": "group × month",
     "definition": "Distinct people who posted, voted, proposed or exchanged time in the group or any group "
                   "below it during the month.",
     "formula": "count(distinct actor_id) over the group's subtree and month",
     "caveats": ["Counts below 5 are suppressed."]},
    {"name": "proposals", "label": "Proposals", "resource": "proposals_by_stage", "field": "proposals",
     "unit": "proposals", "grain": "group × stage",
     "definition": "Proposals of the group or any group below it, by their current lifecycle stage.",
     "formula": "count(proposal_id) by current stage", "caveats": "Deleted proposals are not counted."},
    {"name": "treasury_inflow", "label": "Treasury inflow", "resource": "treasury_monthly",
     "field": "inflow_minor", "unit": "minor currency units", "grain": "group × month × currency",
     "definition": "Money received into the group's accounts during the month.",
     "formula": "sum(amount_minor) where amount_minor > 0", "caveats": ""},
    {"name": "treasury_outflow", "label": "Treasury outflow", "resource": "treasury_monthly",
     "field": "outflow_minor", "unit": "minor currency units", "grain": "group × month × currency",
     "definition": "Money paid out of the group's accounts during the month.",
     "formula": "sum(-amount_minor) where amount_minor < 0", "caveats": ""},
]  # fmt: skip


@dataclass(frozen=True)
class FixtureRelease:
    releases_dir: Path
    release_dir: Path
    release_id: str
    tables: dict[str, list[dict[str, Any]]]
    min_count: int = MIN_COUNT

    def group(self, group_id: str) -> dict[str, Any]:
        return next(g for g in self.tables["groups"] if g["group_id"] == group_id)


def _subtree(group_id: str) -> list[str]:
    below = [g[0] for g in GROUPS if g[3] == group_id]
    return [group_id, *[member for child in below for member in _subtree(child)]]


def _true_active(group_id: str, index: int) -> int:
    """Distinct active people before suppression; overlap makes parents less than the sum of children."""
    own = {"city-lyon": 20 + index, "city-grenoble": 6 + index % 3, "city-barcelona": 12 + 2 * index,
           "nat-fr": 3, "nat-es": 1, "fed": 2}.get(group_id, 0)  # fmt: skip
    if group_id == "city-grenoble" and MONTHS[index] == SUPPRESSED_CELL[1]:
        own = 4
    children = [g[0] for g in GROUPS if g[3] == group_id]
    total = own + sum(_true_active(child, index) for child in children)
    return total - (1 if len(children) > 1 else 0)


def build_tables() -> dict[str, list[dict[str, Any]]]:
    groups = [dict(zip(("group_id", "name", "level", "parent_id"), g, strict=True)) for g in GROUPS]
    participation = []
    treasury = []
    proposals = []
    for group_id, *_ in GROUPS:
        subtree = _subtree(group_id)
        for index, month in enumerate(MONTHS):
            count = _true_active(group_id, index)
            if count == 0:
                continue
            suppressed = count < MIN_COUNT
            active = None if suppressed else count
            participation.append(
                {"group_id": group_id, "month": month, "active_members": active, "is_suppressed": suppressed}
            )
            for currency in ("EUR", "USD"):
                flows = [_flows(member, currency, index) for member in subtree]
                inflow, outflow = sum(f[0] for f in flows), sum(f[1] for f in flows)
                if inflow or outflow:
                    treasury.append({"group_id": group_id, "month": month, "currency": currency,
                                     "inflow_minor": inflow, "outflow_minor": outflow})  # fmt: skip
        stages: dict[str, int] = {}
        for member in subtree:
            for stage, n in _CITY_PROPOSALS.get(member, {}).items():
                stages[stage] = stages.get(stage, 0) + n
        proposals += [{"group_id": group_id, "stage": s, "proposals": n} for s, n in sorted(stages.items())]
    return {
        "groups": groups,
        "participation_monthly": participation,
        "proposals_by_stage": proposals,
        "treasury_monthly": treasury,
        "load_audit": [
            {
                "source": "togetheros",
                "entity": "groups",
                "files": 1,
                "rows_read": 9,
                "rows_accepted": 9,
                "rows_quarantined": 0,
            },
            {
                "source": "togetheros",
                "entity": "proposals",
                "files": 1,
                "rows_read": 120,
                "rows_accepted": 118,
                "rows_quarantined": 2,
            },
            {
                "source": "opencollective",
                "entity": "transactions",
                "files": 2,
                "rows_read": 300,
                "rows_accepted": 297,
                "rows_quarantined": 3,
            },
            {
                "source": "decidim",
                "entity": "proposals",
                "files": 1,
                "rows_read": 50,
                "rows_accepted": 50,
                "rows_quarantined": 0,
            },
        ],  # fmt: skip
        "quarantine_reasons": [
            {
                "source": "opencollective",
                "entity": "transactions",
                "rule": "currency_is_iso_4217",
                "records": 2,
            },
            {"source": "opencollective", "entity": "transactions", "rule": "amount_is_integer", "records": 1},
            {"source": "togetheros", "entity": "proposals", "rule": "created_at_not_null", "records": 2},
        ],
    }


def _flows(group_id: str, currency: str, index: int) -> tuple[int, int]:
    """Own inflow/outflow of one group in minor units; only some groups hold each currency."""
    if currency == "EUR":
        base = {"city-lyon": 120_000, "city-grenoble": 45_050, "city-barcelona": 98_725, "nat-fr": 10_000}
        if group_id not in base:
            return 0, 0
        return base[group_id] + 1_000 * index, base[group_id] // 2 + 750 * (index % 4)
    if group_id == "fed":
        return 250_000 + 5_000 * index, 180_000 + 2_500 * (index % 3)
    return 0, 0


def write_release(
    releases_dir: Path, *, release_id: str = RELEASE_ID, omit: tuple[str, ...] = (), link: bool = True
) -> FixtureRelease:
    """Write the release under releases_dir/<release_id>/ and point releases_dir/latest at it."""
    tables = {name: rows for name, rows in build_tables().items() if name not in omit}
    release_dir = releases_dir / release_id
    (release_dir / "data").mkdir(parents=True)
    resources = []
    for name, rows in tables.items():
        table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
        parquet_path, csv_path = (
            release_dir / "data" / f"{name}.parquet",
            release_dir / "data" / f"{name}.csv",
        )
        pq.write_table(table, parquet_path)
        pa_csv.write_csv(table, csv_path)
        schema = {"fields": [{"name": f.name, "type": _frictionless_type(f.type), "description": f.name}
                             for f in table.schema]}  # fmt: skip
        measured = {"bytes": parquet_path.stat().st_size, "hash": f"sha256:{_sha256(parquet_path)}"}
        # The writer's shape: Parquet is a Frictionless `file` resource whose count is `togetheros:rows`.
        resources.append({"name": name, "type": "file", "path": f"data/{name}.parquet", "format": "parquet",
                          **measured, "togetheros:rows": len(rows), "schema": schema})  # fmt: skip
        measured = {"bytes": csv_path.stat().st_size, "hash": f"sha256:{_sha256(csv_path)}"}
        resources.append({"name": f"{name}-csv", "type": "table", "path": f"data/{name}.csv", "format": "csv",
                          **measured, "rows": len(rows), "schema": schema})  # fmt: skip
    quality = {
        "status": "passed",
        "checks": [{"name": "rows_read_equals_accepted_plus_quarantined", "ok": True}],
    }
    (release_dir / "quality-report.json").write_text(json.dumps(quality, indent=2))
    (release_dir / "README.md").write_text(f"# TogetherOS Transparency release {release_id}\n")
    (release_dir / "changes.json").write_text(
        json.dumps({"previous": "2025-06-01T060000Z-1a2b3c4d", "changes": []})
    )
    signing_key = nacl.signing.SigningKey(b"\x07" * 32)  # a fixed development key: reproducible fixture
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "id": release_id,
        "name": "togetheros-transparency",
        "created": "2025-07-02T06:00:00Z",
        "resources": resources,
        "togetheros:metrics": METRICS,
        "togetheros:suppression": {"min_count": MIN_COUNT, "rule": "counts of people below 5 are withheld"},
        "togetheros:data_as_of": "2025-06-30T23:59:59Z",
        "togetheros:signing": {"algorithm": "ed25519", "key_id": "dev-0707", "development_key": True},
        "togetheros:quality": {"status": "passed", "report": "quality-report.json"},
        "togetheros:previous": {"id": "2025-06-01T060000Z-1a2b3c4d", "descriptor_sha256": "ab" * 32},
        "togetheros:lineage": [
            {"sha256": "cd" * 32, "source": "togetheros", "file_name": "groups.ndjson", "bytes": 2048}
        ],  # fmt: skip
    }
    descriptor_bytes = json.dumps(descriptor, indent=2, sort_keys=True).encode()
    (release_dir / "datapackage.json").write_bytes(descriptor_bytes)
    (release_dir / "datapackage.json.sig").write_bytes(
        signing_key.sign(descriptor_bytes).signature.hex().encode()
    )
    (release_dir / "signing-key.pub").write_text(signing_key.verify_key.encode().hex())
    sums = sorted(p for p in release_dir.rglob("*") if p.is_file())
    (release_dir / "SHA256SUMS").write_text(
        "".join(f"{_sha256(p)}  {p.relative_to(release_dir).as_posix()}\n" for p in sums)
    )
    if link:
        (releases_dir / "latest").symlink_to(release_id, target_is_directory=True)
    return FixtureRelease(
        releases_dir=releases_dir, release_dir=release_dir, release_id=release_id, tables=tables
    )


def _frictionless_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_date32(arrow_type):
        return "date"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "string"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
