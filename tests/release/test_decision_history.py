"""The demo release's decision histories: group names beside every group id, the funnel and delivery
rates recomputed from the histories by `togetheros verify`, and a history edited and re-signed fails."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.release import verify_release, write_release
from tests.release.conftest import TEST_KEY

pytestmark = pytest.mark.slow

HISTORY_RULES = {
    "recompute governance_funnel from governance_stage_changes",
    "recompute proposals_by_stage from governance_stage_changes",
    "recompute delivery_rates from governance_decision_history",
}


def csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_public_csv_with_a_group_id_names_the_group_and_its_level(pipeline_run):
    data = pipeline_run.release / "data"
    groups = {g["group_id"]: (g["name"], g["level"]) for g in csv_rows(data / "groups.csv")}
    checked = 0
    for path in sorted(data.glob("*.csv")):
        rows = csv_rows(path)
        header = list(rows[0]) if rows else next(csv.reader(path.open()))
        assert not [c for c in header if c.endswith("group_id") and c != "group_id"], path.name
        if "group_id" not in header or path.stem == "groups":
            continue
        assert {"group_name", "group_level"} <= set(header), f"{path.name} has group_id without its name and level"
        for row in rows:
            assert (row["group_name"], row["group_level"]) == groups[row["group_id"]], (path.name, row)
        checked += 1
    assert checked >= 29  # every area's datasets, the two histories included


def test_verify_recomputes_the_funnel_and_delivery_rates_from_the_histories(pipeline_run):
    report = verify_release(pipeline_run.release)
    assert report.ok, report.messages()
    passed = {check.name for check in report.checks if check.status == "pass"}
    assert HISTORY_RULES <= passed


def republish(release: Path, releases_dir: Path, edit) -> Path:
    """What a publisher who rewrites history does: edit the tables and write and sign a new release that is
    consistent with itself (hashes, schemas, signature), carrying the same rules and documentation."""
    descriptor = json.loads((release / "datapackage.json").read_text())
    parquet = [r for r in descriptor["resources"] if r["path"].endswith(".parquet")]
    tables = {r["name"]: pq.read_table(release / r["path"]) for r in parquet}
    edit(tables)
    docs = {
        r["name"]: {
            "description": r.get("description", ""),
            "primary_key": r["schema"].get("primaryKey", []),
            "columns": {f["name"]: f.get("description", "") for f in r["schema"]["fields"]},
        }
        for r in parquet
    }
    return write_release(
        tables,
        releases_dir=releases_dir,
        dataset_docs=docs,
        metrics=[],
        lineage=[],
        quality_report={"status": "passed", "datasets": {}},
        recompute_rules=descriptor["togetheros:recompute"],
        signing_key=TEST_KEY,
        code_commit="0123abcd",
        engine_versions={},
        data_as_of=descriptor.get("togetheros:data_as_of", "2026-04-30T00:00:00Z"),
        min_count=5,
    )


def test_a_history_edited_and_re_signed_fails_verify(pipeline_run, tmp_path):
    assert verify_release(republish(pipeline_run.release, tmp_path / "same", lambda t: None)).ok

    def unapprove_one(tables: dict[str, pa.Table]) -> None:
        history = tables["governance_decision_history"]
        approved = history["is_approved"].to_pylist()
        first = approved.index(True)
        approved[first] = False  # an approved decision rewritten as rejected
        index = history.schema.get_field_index("is_approved")
        tables["governance_decision_history"] = history.set_column(index, "is_approved", pa.array(approved))

    def drop_a_move(tables: dict[str, pa.Table]) -> None:
        changes = tables["governance_stage_changes"]
        keep = pc.invert(pc.and_(changes["counts_in_funnel"], pc.equal(changes["stage"], "deliberation")))
        tables["governance_stage_changes"] = changes.filter(keep)  # the deliberations erased

    report = verify_release(republish(pipeline_run.release, tmp_path / "a", unapprove_one))
    failed = {check.name: check.message for check in report.problems}
    assert set(failed) == {"recompute delivery_rates from governance_decision_history"}, failed
    report = verify_release(republish(pipeline_run.release, tmp_path / "b", drop_a_move))
    failed = {check.name: check.message for check in report.problems}
    funnel = "recompute governance_funnel from governance_stage_changes"
    assert funnel in failed and "stage=deliberation" in failed[funnel], failed
    # the proposals deliberating now lost their current stage too; nothing else is touched
    assert set(failed) <= {funnel, "recompute proposals_by_stage from governance_stage_changes"}, failed
