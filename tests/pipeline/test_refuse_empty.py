"""Refuse to publish nothing (issue 14): a missing or empty inbox stops `togetheros pipeline` before
anything runs, with the folder and what was expected; a run with no source row stops before dbt, and a
release with no data rows is not written;
`--allow-empty` publishes one on purpose. The whole run here also shows what the command prints (one
line per stage, a summary, no Dagster DEBUG) and that its runs are kept in the data dir's instance."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.preflight import empty_release_problem, inbox_problem, no_source_rows_problem
from pipelines.progress import STAGES
from pipelines.release import verify_release

ROOT = Path(__file__).resolve().parents[2]
NO_API = {"PATH": "/usr/bin:/bin"}  # no source's API configured


def _pipeline(data_dir: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    apis = ("OPENCOLLECTIVE", "DISCOURSE", "DECIDIM")
    env = {k: v for k, v in os.environ.items() if not k.startswith(apis)}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "pipeline", "--data-dir", str(data_dir), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("layout", ["missing", "no inbox", "empty inbox", "files outside a source folder"])
def test_pipeline_refuses_a_data_dir_with_nothing_to_read(tmp_path: Path, layout: str):
    data = tmp_path / "data"
    if layout != "missing":
        data.mkdir()
    if layout in ("empty inbox", "files outside a source folder"):
        (data / "inbox" / "discourse").mkdir(parents=True)  # a source folder with no file in it
    if layout == "files outside a source folder":
        (data / "inbox" / "export.csv").write_text("a,b\n1,2\n")
    started = time.monotonic()
    run = _pipeline(data)
    assert run.returncode == 2, run.stderr
    assert time.monotonic() - started < 60  # refused before Dagster, dbt or anything ran
    assert "refusing to run" in run.stderr
    assert str(data / "inbox") in run.stderr and "<source>/" in run.stderr
    assert "pipeline finished" not in run.stdout
    assert not (data / "releases").exists() and not (data / "warehouse").exists()
    if layout == "files outside a source folder":
        assert "found only: discourse, export.csv" in run.stderr


def test_allow_empty_accepts_an_empty_inbox_but_never_a_missing_data_folder(tmp_path: Path):
    (tmp_path / "inbox").mkdir()
    assert inbox_problem(tmp_path, NO_API) is not None
    assert inbox_problem(tmp_path, NO_API, allow_empty=True) is None
    run = _pipeline(tmp_path / "mistyped", "--allow-empty")
    assert run.returncode == 2 and "does not exist" in run.stderr
    assert not (tmp_path / "mistyped").exists()


def test_an_inbox_with_a_source_file_or_a_configured_api_is_accepted(tmp_path: Path):
    (tmp_path / "inbox" / "ledger").mkdir(parents=True)
    assert inbox_problem(tmp_path, NO_API) is not None
    assert inbox_problem(tmp_path, {"OPENCOLLECTIVE_SLUG": "demo"}) is None
    (tmp_path / "inbox" / "ledger" / "main.ledger").write_text("")
    assert inbox_problem(tmp_path, NO_API) is None


def test_a_release_with_no_data_rows_is_refused_and_says_why():
    docs = {
        "groups": {"area": "core"},
        "load_audit": {"area": "core"},
        "treasury_monthly": {"area": "treasury"},
        "votes": {"area": "decisions"},
    }
    why = empty_release_problem({"groups": 1, "load_audit": 1, "treasury_monthly": 0, "votes": 0}, docs)
    assert why and "no data rows" in why and "treasury_monthly, votes" in why
    assert empty_release_problem({"groups": 1, "load_audit": 1, "treasury_monthly": 3, "votes": 0}, docs) is None


def test_a_run_with_no_source_row_is_stopped_before_dbt_and_says_why():
    why = no_source_rows_problem({"discourse__posts": 0, "ledger__postings": 0})
    assert why and "no data rows" in why and "none of the 2 source tables" in why and "--allow-empty" in why
    assert no_source_rows_problem({"discourse__posts": 0, "ledger__postings": 3}) is None


@pytest.mark.slow
@pytest.mark.timeout(2400)  # one whole pipeline run (the deliberate empty one) and one stopped before dbt
def test_a_run_whose_every_file_is_refused_publishes_no_release(tmp_path: Path):
    """An inbox with a file that passes the first check but gives no row: the run stops before dbt,
    names why, and nothing is published (`latest` is never made)."""
    data = tmp_path / "data"
    (data / "inbox" / "discourse").mkdir(parents=True)
    (data / "inbox" / "discourse" / "posts.json").write_text("this is not a Discourse export\n")
    run = _pipeline(data, timeout=1200)
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "refusing to publish a release with no data rows" in run.stderr
    assert "--allow-empty" in run.stderr  # says how to publish it on purpose
    assert "pipeline finished" not in run.stdout
    assert not (data / "releases" / "latest").exists()
    assert "pipeline failed in: dbt_models" in run.stderr and "dbt was not run" in run.stderr
    with duckdb.connect(str(data / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        built = con.execute(
            "select count(*) from (select schema_name from duckdb_tables() union all "
            "select schema_name from duckdb_views() where not internal) where schema_name <> 'raw'"
        ).fetchall()[0][0]
    assert built == 0  # no model was built: the run stopped before dbt

    # the same inbox, published on purpose; what the command prints; the runs kept in the instance
    run = _pipeline(data, "--allow-empty", timeout=1200)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    release = (data / "releases" / "latest").resolve()
    assert verify_release(release).ok
    lines = run.stdout.splitlines()
    stages = [stage for stage, _ in STAGES]
    assert [line.split("]")[1].split()[0] for line in lines[: len(stages)]] == [s.split()[0] for s in stages]
    assert all(line.startswith(f"[{n}/{len(stages)}]") and line.endswith(" s") for n, line in enumerate(lines[:8], 1))
    assert lines[len(stages)] == f"pipeline finished in {lines[len(stages)].split()[3]} s: release {release.name}"
    assert "rows loaded 0, rows quarantined 1, files refused 1" in lines[len(stages) + 1]
    assert len(lines) == len(stages) + 4, run.stdout
    assert "DEBUG" not in run.stdout + run.stderr and "STEP_START" not in run.stderr
    assert "publishing a release with no data rows, as asked" in run.stderr  # a warning is still shown

    instance = dg.DagsterInstance.from_config(str(data / "dagster_home"))
    runs = instance.get_runs()
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
    for key in (["release", "latest"], ["release", "alerts"], ["landing", "discourse"]):
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        assert event is not None and event.run_id == runs[0].run_id, key
    checks = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    assert len(checks.records) > 100  # dbt's tests and the release's checks, for the UI's check history
