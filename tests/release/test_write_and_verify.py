"""A release written from small tables verifies, has the fixed layout, and is reproducible."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.release import verify_release
from pipelines.release.layout import latest_release, release_files
from tests.release.conftest import FORMULA_NAMES, make_release, sample_docs, sample_tables

EXPECTED_FILES = {
    "datapackage.json",
    "datapackage.json.sig",
    "signing-key.pub",
    "datapackage.json.sshsig",
    "allowed_signers",
    "SHA256SUMS",
    "quality-report.json",
    "README.md",
    "changes.json",
    "lineage.csv",
    *(f"data/{name}.{ext}" for name in sample_tables() for ext in ("parquet", "csv")),
    # the alerts (pipelines/alerts/feed.py): their list, a feed for all and one per group
    "alerts/alerts.json",
    "alerts/all.atom",
    *(f"alerts/{group_id}.atom" for group_id in sample_tables()["groups"].column("group_id").to_pylist()),
}


def test_release_verifies_and_has_the_fixed_layout(release: Path):
    report = verify_release(release)
    assert report.ok, report.messages()
    assert release_files(release) == EXPECTED_FILES
    names = {check.name for check in report.checks if check.status == "pass"}
    assert {
        "signature",
        "SHA256SUMS",
        "file set",
        "resources",
        "lineage",
        "schema",
        "row count",
        "frictionless",
        "recompute treasury_monthly from treasury_legs",
        "recompute proposals_by_stage from proposals",
    } <= names


def test_descriptor_describes_every_file(release: Path):
    descriptor = json.loads((release / "datapackage.json").read_text())
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["id"] == release.name
    assert descriptor["licenses"][0]["name"] == "ODbL-1.0"
    assert descriptor["togetheros:previous"] is None
    assert descriptor["togetheros:signing"]["development_key"] is False
    assert descriptor["togetheros:quality"] == {"status": "passed", "report": "quality-report.json"}
    by_name = {r["name"]: r for r in descriptor["resources"]}
    assert set(by_name) == {n for name in sample_tables() for n in (name, f"{name}-csv")} | {"lineage"}
    monthly = by_name["treasury_monthly"]
    assert monthly["path"] == "data/treasury_monthly.parquet" and monthly["togetheros:rows"] == 3
    assert monthly["hash"].startswith("sha256:") and monthly["bytes"] == (release / monthly["path"]).stat().st_size
    assert monthly["schema"]["primaryKey"] == ["group_id", "month", "currency"]
    assert [(f["name"], f["type"]) for f in monthly["schema"]["fields"]] == [
        ("group_id", "string"),
        ("month", "date"),
        ("currency", "string"),
        ("inflow_minor", "integer"),
        ("outflow_minor", "integer"),
    ]
    assert by_name["treasury_monthly-csv"]["rows"] == 3 and by_name["treasury_monthly-csv"]["encoding"] == "utf-8"


def test_rows_are_ordered_by_primary_key_and_csv_holds_the_same_rows(release: Path):
    con = duckdb.connect()
    parquet_rows = con.execute(f"SELECT * FROM read_parquet('{release}/data/treasury_legs.parquet')").fetchall()
    assert [row[0] for row in parquet_rows] == ["l1", "l2", "l3", "l4"]
    with (release / "data/treasury_legs.csv").open(newline="") as handle:
        csv_rows = list(csv.reader(handle))[1:]
    assert [(r[0], r[1], r[2], int(r[4])) for r in csv_rows] == [
        (row[0], row[1], row[2].isoformat(), row[4]) for row in parquet_rows
    ]


def test_csv_neutralizes_formula_cells_but_not_numbers(release: Path):
    with (release / "data/groups.csv").open(newline="") as handle:
        names = {row["group_id"]: row["name"] for row in csv.DictReader(handle)}
    assert sorted(names.values()) == sorted(["Riverside", *("'" + name for name in FORMULA_NAMES)])
    parquet_names = (
        duckdb.connect().execute(f"SELECT name FROM read_parquet('{release}/data/groups.parquet')").fetchall()
    )
    assert {row[0] for row in parquet_names} == {"Riverside", *FORMULA_NAMES}  # Parquet keeps the true text
    legs = (release / "data/treasury_legs.csv").read_text()
    assert ",-250\n" in legs  # a negative number stays a number


def test_same_inputs_give_identical_data_and_sums(tmp_path: Path):
    first = make_release(tmp_path / "one")
    second = make_release(tmp_path / "two")
    assert (first / "SHA256SUMS").read_bytes() == (second / "SHA256SUMS").read_bytes()
    for path in sorted(release_files(first)):
        if path.startswith("data/"):
            assert (first / path).read_bytes() == (second / path).read_bytes(), path
    assert first.name == second.name


def test_sha256sum_check_passes(release: Path):
    result = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(EXPECTED_FILES) - 6  # all but the proof files


def test_latest_switches_and_earlier_releases_are_kept(tmp_path: Path):
    releases = tmp_path / "releases"
    first = make_release(releases)
    assert (releases / "latest").is_symlink() and latest_release(releases) == first
    tables = sample_tables()
    tables["groups"] = tables["groups"].slice(1)  # one group fewer
    second = make_release(releases, tables)
    assert second != first and first.is_dir()
    assert latest_release(releases) == second and (releases / "latest").readlink() == Path(second.name)
    assert sorted(p.name for p in releases.iterdir()) == sorted([first.name, second.name, "latest"])
    descriptor = json.loads((second / "datapackage.json").read_text())
    assert descriptor["togetheros:previous"]["id"] == first.name
    changes = json.loads((second / "changes.json").read_text())
    assert changes["previous"] == first.name
    assert changes["datasets"]["groups"] == {
        "status": "compared",
        "rows_before": 7,
        "rows_after": 6,
        "columns_added": [],
        "columns_removed": [],
        "added": 0,
        "removed": 1,
        "changed": 0,
    }
    assert verify_release(releases / "latest", walk_chain=True).ok


def test_changes_count_changed_rows_by_primary_key(tmp_path: Path):
    import pyarrow as pa

    releases = tmp_path / "releases"
    make_release(releases)
    tables = sample_tables()
    legs = tables["treasury_legs"]
    amounts = legs.column("amount_minor").to_pylist()
    amounts[0] += 1  # leg l4 changes
    legs = legs.set_column(4, "amount_minor", pa.array(amounts, pa.int64()))
    tables["treasury_legs"] = pa.concat_tables(
        [
            legs,
            pa.table(
                {
                    "leg_id": ["l5"],
                    "group_id": ["g2"],
                    "month": legs.column("month").slice(0, 1),
                    "currency": ["EUR"],
                    "amount_minor": pa.array([1], pa.int64()),
                }
            ),
        ]
    )
    rules = []  # the aggregate no longer matches; this test is about changes.json only
    second = make_release(releases, tables, recompute_rules=rules)
    legs_change = json.loads((second / "changes.json").read_text())["datasets"]["treasury_legs"]
    assert (legs_change["added"], legs_change["removed"], legs_change["changed"]) == (1, 0, 1)


def test_undocumented_column_is_refused(tmp_path: Path):
    docs = sample_docs()
    docs["groups"]["columns"].pop("level")
    with pytest.raises(ValueError, match="columns without a description \\['level'\\]"):
        make_release(tmp_path / "releases", dataset_docs=docs)


def test_a_failed_write_leaves_latest_and_the_folder_untouched(tmp_path: Path, monkeypatch):
    releases = tmp_path / "releases"
    first = make_release(releases)

    def broken_readme(**_):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pipelines.release.write.render_readme", broken_readme)
    with pytest.raises(RuntimeError, match="disk full"):
        make_release(releases, tables={**sample_tables(), "groups": sample_tables()["groups"].slice(2)})
    assert sorted(p.name for p in releases.iterdir()) == sorted([first.name, "latest"])
    assert latest_release(releases) == first


def test_a_renamed_download_is_noted_not_failed(release: Path, tmp_path: Path):
    import shutil

    download = tmp_path / "downloads" / "riverside-release"
    shutil.copytree(release, download)
    report = verify_release(download)
    assert report.ok, report.messages()
    assert [c.name for c in report.checks if c.status == "warn"] == ["release folder", "who signed"]
