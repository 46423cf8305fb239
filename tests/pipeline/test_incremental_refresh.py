"""A refresh rebuilds only what changed, and gives what a whole rebuild gives.

On a copy of the whole-pipeline run: one new day and a few late events of an earlier month arrive, the
pipeline runs again, and the incremental models (dbt_project/macros/incremental_months.sql) must equal a
`--full-refresh` build of the same inputs, row for row, while the months whose inputs did not change
were left as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bench import incremental
from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

DBT = Path(sys.executable).with_name("dbt")
INCREMENTAL = [
    "fct_member_months",
    "mart_active_members_monthly",
    "mart_active_members_windows",
    "mart_contribution_inequality",
]
UNTOUCHED_MONTH = date(2025, 12, 1)  # neither the new day nor the late events fall in it
LATE_DAY = date(2026, 2, 14)


def _tables(warehouse: Path) -> dict[str, set]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: set(con.execute(f"select * from marts.{name}").fetchall()) for name in INCREMENTAL}


def _dbt(data_dir: Path, tmp_path: Path, *args: str) -> None:
    env = {**os.environ, "TOGETHEROS_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [str(DBT), *args, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture(scope="module")
def refreshed(pipeline_run, tmp_path_factory):
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("refresh") / "data"
    shutil.copytree(pipeline_run.data_dir, data_dir, symlinks=True)
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    # a planted wrong count in a month nothing touches: a refresh that rebuilt it would erase it
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.mart_active_members_monthly set activities = -1 where month = ?", [UNTOUCHED_MONTH])
    history_days = (DEMO["end"] - DEMO["start"]).days + 1
    incremental.add_day(data_dir / "inbox", incremental.next_day(DEMO["end"]), history_days)
    incremental.add_day(data_dir / "inbox", LATE_DAY, history_days)
    try:
        assert run_pipeline(data_dir).success
    finally:
        os.environ["TOGETHEROS_DATA_DIR"] = str(pipeline_run.data_dir)
    return data_dir, warehouse


def test_a_refresh_leaves_months_whose_inputs_did_not_change(refreshed):
    _, warehouse = refreshed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        planted = con.execute(
            "select count(*) from marts.mart_active_members_monthly where month = ? and activities = -1",
            [UNTOUCHED_MONTH],
        ).fetchone()[0]
        rebuilt = con.execute(
            "select count(*) from marts.mart_active_members_monthly where month = ? and activities = -1",
            [LATE_DAY.replace(day=1)],
        ).fetchone()[0]
        new_month = con.execute(
            "select count(*) from marts.mart_active_members_monthly where month = ?",
            [incremental.next_day(DEMO["end"])],
        ).fetchone()[0]
    assert planted > 0 and rebuilt == 0
    assert new_month > 0  # the new day opens a month


def test_a_refresh_gives_what_a_whole_rebuild_gives(refreshed, tmp_path):
    data_dir, warehouse = refreshed
    with duckdb.connect(str(warehouse)) as con:  # undo the planted value, as a whole rebuild would
        con.execute("delete from marts.mart_active_members_monthly where month = ?", [UNTOUCHED_MONTH])
    _dbt(data_dir, tmp_path, "run", "--select", *INCREMENTAL)
    after_refresh = _tables(warehouse)
    _dbt(data_dir, tmp_path, "run", "--full-refresh", "--select", *INCREMENTAL)
    rebuilt = _tables(warehouse)
    for name in INCREMENTAL:
        assert after_refresh[name] == rebuilt[name], name
        assert rebuilt[name]
