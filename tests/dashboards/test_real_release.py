"""The dashboard over a release written by the real release writer (pipelines.release), not the fixture's.

Guards the interface between the two: descriptor fields, resource shapes (`togetheros:rows` on Parquet
`file` resources), the `latest` link and the signing block.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
import yaml

from dashboards import releases
from pipelines.release import SigningKeyConfig, write_release
from pipelines.release.lineage import read_lineage
from tests.dashboards import expectations as expect
from tests.dashboards.release_fixture import (
    METRICS,
    NEW_SCHEMAS,
    PUBLIC_MODELS,
    SCHEMAS,
    SUPPRESSED_CELL,
    FixtureRelease,
    build_tables,
    contract_metrics,
)
from tests.dashboards.test_app import metrics, run_app


def model_key(name: str) -> list[str]:
    return next(m for m in _models() if m["name"] == name)["config"]["meta"]["primary_key"]


def _models() -> list[dict]:
    return [
        m for path in sorted(PUBLIC_MODELS.glob("_*.yml")) for m in yaml.safe_load(path.read_text()).get("models", [])
    ]


PRIMARY_KEYS = {
    "groups": ["group_id"],
    "participation_monthly": ["group_id", "month"],
    "proposals_by_stage": ["group_id", "stage"],
    "treasury_monthly": ["group_id", "month", "currency"],
    "load_audit": ["source", "entity"],
    "quarantine_reasons": ["source", "entity", "rule"],
    # The new datasets: their primary keys as their dbt YAML declares them.
    **{name: model_key(name) for name in NEW_SCHEMAS},
    "governance_decision_history": ["proposal_id"],
}


@pytest.fixture
def written_release(tmp_path, monkeypatch) -> FixtureRelease:
    tables = build_tables()
    releases_dir = tmp_path / "releases"
    release_dir = write_release(
        {name: pa.Table.from_pylist(rows, schema=SCHEMAS[name]) for name, rows in tables.items()},
        releases_dir=releases_dir,
        dataset_docs={
            name: {
                "description": f"The {name} dataset.",
                "primary_key": PRIMARY_KEYS[name],
                "people_counts": ["active_members"] if name == "participation_monthly" else [],
                "columns": {column: f"The {column} column." for column in SCHEMAS[name].names},
            }
            for name in tables
        },
        metrics=METRICS + contract_metrics(),
        lineage=[{"sha256": "ab" * 32, "source": "togetheros", "file_name": "groups.ndjson", "bytes": 10}],
        quality_report={"status": "passed", "datasets": {}},
        recompute_rules=[],
        signing_key=SigningKeyConfig(seed=bytes(range(32)), development=True),
        code_commit="0123abcd",
        engine_versions={},
        data_as_of="2025-06-30T23:59:59Z",
        min_count=5,
        created=datetime(2025, 7, 2, 6, 0, tzinfo=UTC),
    )
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(releases_dir))
    return FixtureRelease(releases_dir, release_dir, release_dir.name, tables)


def test_the_descriptor_of_a_real_release_is_understood(written_release):
    release = releases.latest_release()
    assert release.id == written_release.release_id
    parquet = release.resource("participation_monthly")
    assert parquet.format == "parquet" and parquet.rows == len(written_release.tables["participation_monthly"])
    assert release.resource("participation_monthly-csv").rows == parquet.rows
    assert release.min_count == 5 and release.metric("treasury_monthly", "inflow_minor") is not None
    assert all(release.has_dataset(name) for name in PRIMARY_KEYS)


def test_overview_and_audit_over_a_real_release(written_release):
    group_id, month = SUPPRESSED_CELL
    app = run_app({"group": group_id, "to": f"{month:%Y-%m}"})
    shown = metrics(app)
    assert shown["Active members, Jun 2025"] == "fewer than 5"
    assert shown["Proposals decided"] == f"{expect.proposals(written_release, group_id, 'decided'):,}"

    app = run_app(page="data_audit")
    text = " ".join(str(m.value) for m in app.markdown)
    assert written_release.release_id in text and "development key" in text
    datasets = app.dataframe[0].value
    # every dataset, and the lineage resource (the landing files the release was built from)
    lineage_rows = len(read_lineage(written_release.release_dir))
    assert set(datasets["Rows"]) == {len(rows) for rows in written_release.tables.values()} | {lineage_rows}
