"""Small public datasets and a helper that writes a release of them into a temporary folder."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.release import SigningKeyConfig, write_release

CREATED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
TEST_KEY = SigningKeyConfig(seed=bytes(range(32)), development=False)
OTHER_KEY = SigningKeyConfig(seed=bytes(range(1, 33)), development=False)

FORMULA_NAMES = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTabbed", "\rReturn"]


def sample_tables() -> dict[str, pa.Table]:
    months = [date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1)]
    return {
        "groups": pa.table(
            {
                "group_id": ["g1", "g2", "g3", "g4", "g5", "g6", "g7"],
                "name": ["Riverside", *FORMULA_NAMES],
                "level": ["local", "local", "regional", "national", "global", "local", "local"],
                "parent_id": ["g3", "g3", "g4", "g5", None, "g3", "g3"],
            }
        ),
        "treasury_legs": pa.table(
            {
                "leg_id": ["l4", "l1", "l2", "l3"],  # not in key order: the writer sorts
                "group_id": ["g2", "g1", "g1", "g1"],
                "month": months,
                "currency": ["EUR", "EUR", "EUR", "EUR"],
                "amount_minor": pa.array([700, 1000, -250, 300], pa.int64()),
            }
        ),
        "treasury_monthly": pa.table(
            {
                "group_id": ["g1", "g1", "g2"],
                "month": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1)],
                "currency": ["EUR", "EUR", "EUR"],
                "inflow_minor": pa.array([1000, 300, 700], pa.int64()),
                "outflow_minor": pa.array([250, 0, 0], pa.int64()),
            }
        ),
        "proposals": pa.table(
            {
                "proposal_id": ["p1", "p2", "p3", "p4"],
                "group_id": ["g1", "g1", "g1", "g2"],
                "stage": ["decided", "decided", "deliberation", "decided"],
            }
        ),
        "proposals_by_stage": pa.table(
            {
                "group_id": ["g1", "g1", "g2"],
                "stage": ["decided", "deliberation", "decided"],
                # g1/deliberation has one proposal: published suppressed, so recompute must skip it.
                "proposals": pa.array([2, None, 1], pa.int64()),
                "is_suppressed": [False, True, False],
            }
        ),
    }


def sample_docs() -> dict[str, dict]:
    return {
        "groups": {
            "description": "Groups and their place in the federation.",
            "primary_key": ["group_id"],
            "columns": {
                "group_id": "Group id.",
                "name": "Group name.",
                "level": "local, regional, national or global.",
                "parent_id": "The group above.",
            },
        },
        "treasury_legs": {
            "description": "Money movements, one per leg.",
            "primary_key": ["leg_id"],
            "columns": {
                "leg_id": "Leg id.",
                "group_id": "Group.",
                "month": "Month (first day).",
                "currency": "ISO currency.",
                "amount_minor": "Amount in minor units.",
            },
        },
        "treasury_monthly": {
            "description": "Money in and out per group and month.",
            "primary_key": ["group_id", "month", "currency"],
            "columns": {
                "group_id": "Group.",
                "month": "Month.",
                "currency": "ISO currency.",
                "inflow_minor": "Money in.",
                "outflow_minor": "Money out.",
            },
        },
        "proposals": {
            "description": "Proposals.",
            "primary_key": ["proposal_id"],
            "columns": {"proposal_id": "Proposal.", "group_id": "Group.", "stage": "Stage."},
        },
        "proposals_by_stage": {
            "description": "Proposals per stage.",
            "primary_key": ["group_id", "stage"],
            "people_counts": [],
            "columns": {
                "group_id": "Group.",
                "stage": "Stage.",
                "proposals": "Proposals.",
                "is_suppressed": "Count below the minimum, hidden.",
            },
        },
    }


RECOMPUTE_RULES = [
    {
        "aggregate": "treasury_monthly",
        "from": "treasury_legs",
        "keys": ["group_id", "month", "currency"],
        "measures": {
            "inflow_minor": "sum(case when amount_minor > 0 then amount_minor else 0 end)",
            "outflow_minor": "sum(case when amount_minor < 0 then -amount_minor else 0 end)",
        },
    },
    {
        "aggregate": "proposals_by_stage",
        "from": "proposals",
        "keys": ["group_id", "stage"],
        "measures": {"proposals": "count(*)"},
    },
]

METRICS = [
    {
        "name": "inflow",
        "label": "Money in",
        "definition": "Sum of positive legs.",
        "formula": "sum(amount_minor) where amount_minor > 0",
        "unit": "minor units",
        "grain": "group, month",
        "caveats": "None.",
        "resource": "treasury_monthly",
        "field": "inflow_minor",
    }
]

LINEAGE = [
    {
        "sha256": "ab" * 32,
        "source": "opencollective",
        "file_name": "riverside-transactions.csv",
        "bytes": 1234,
    }
]


def release_kwargs(**overrides) -> dict:
    kwargs = dict(
        dataset_docs=sample_docs(),
        metrics=METRICS,
        lineage=LINEAGE,
        quality_report={"status": "passed", "datasets": {}},
        recompute_rules=RECOMPUTE_RULES,
        signing_key=TEST_KEY,
        code_commit="0123abcd",
        engine_versions={"dbt-core": "1.11.16"},
        data_as_of="2025-02-28T23:59:59Z",
        min_count=5,
        created=CREATED,
    )
    kwargs.update(overrides)
    return kwargs


def make_release(releases_dir: Path, tables: dict[str, pa.Table] | None = None, **overrides) -> Path:
    return write_release(tables or sample_tables(), releases_dir=releases_dir, **release_kwargs(**overrides))


def resign(release: Path, edit) -> None:
    """Edit the descriptor and sign it again with the release key: a publisher's mistake, not an attack."""
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text())
    edit(descriptor)
    data = (json.dumps(descriptor, indent=2) + "\n").encode()
    path.write_bytes(data)
    (release / "datapackage.json.sig").write_text(TEST_KEY.sign(data) + "\n")


def resum(release: Path, relative: str) -> None:
    """Write the file's new hash into SHA256SUMS (not re-signed): an attacker covering an edit."""
    from pipelines.release.hashing import format_sha256sums, parse_sha256sums, sha256_file

    sums_path = release / "SHA256SUMS"
    sums, _ = parse_sha256sums(sums_path.read_text())
    sums[relative] = sha256_file(release / relative)
    sums_path.write_text(format_sha256sums(sums))


def chain_of(releases_dir: Path, count: int = 3, **overrides) -> list[Path]:
    """count releases in one folder, each with one group fewer and a day later than the one before."""
    tables = sample_tables()
    paths = [make_release(releases_dir, dict(tables), **overrides)]
    for step in range(1, count):
        tables["groups"] = tables["groups"].slice(1)
        paths.append(make_release(releases_dir, dict(tables), created=CREATED + timedelta(days=step), **overrides))
    return paths


def resign_as(release: Path, key: SigningKeyConfig, edit=None) -> bytes:
    """What an attacker holding `key` does: edit the descriptor, sign it, and replace the shipped key and
    both signatures so the release is consistent with itself. Returns the new descriptor bytes."""
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text())
    if edit:
        edit(descriptor)
    descriptor["togetheros:signing"]["key_id"] = key.key_id
    if "public_key" in descriptor["togetheros:signing"]:
        descriptor["togetheros:signing"]["public_key"] = base64.b64encode(key.public_key).decode()
    data = (json.dumps(descriptor, indent=2) + "\n").encode()
    path.write_bytes(data)
    (release / "datapackage.json.sig").write_text(key.sign(data) + "\n")
    (release / "signing-key.pub").write_text(key.public_key_file_text())
    if (release / "datapackage.json.sshsig").exists():
        from pipelines.release.signing import allowed_signers_line  # releases before OpenSSH signatures lack it

        (release / "datapackage.json.sshsig").write_text(key.sign_sshsig(data))
        (release / "allowed_signers").write_text(allowed_signers_line(key.public_key) + "\n")
    return data


def relink(successor: Path, predecessor: Path, key: SigningKeyConfig) -> bytes:
    """Point successor's togetheros:previous at predecessor's current descriptor and re-sign it with key."""
    digest = hashlib.sha256((predecessor / "datapackage.json").read_bytes()).hexdigest()

    def edit(descriptor):
        descriptor["togetheros:previous"]["descriptor_sha256"] = digest

    return resign_as(successor, key, edit)


@pytest.fixture(autouse=True)
def trust_file(tmp_path: Path, monkeypatch) -> Path:
    """Every test's own trust file: `togetheros verify` never reads or writes the user's."""
    path = tmp_path / "config" / "trusted.json"
    monkeypatch.setenv("TOGETHEROS_TRUST_FILE", str(path))
    return path


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return make_release(tmp_path / "releases")
