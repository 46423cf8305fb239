"""A refresh rebuilds only what changed, and gives what a whole rebuild gives.

On a copy of the whole-pipeline run: one new day and a few late events of an earlier month arrive, the
pipeline runs again. dbt builds only the models downstream of the raw tables that received rows
(pipelines/dbt_changes.py): a model nothing new reached is left as it was, and the release after it is
still published. The incremental models (dbt_project/macros/incremental_months.sql) leave the months whose
inputs did not change as they were. Every model must equal a `--full-refresh` build of the same inputs,
row for row."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bench import incremental
from pipelines import dbt_changes
from pipelines.assets.transform import PARSE_CACHE
from pipelines.release.layout import latest_release
from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

DBT = Path(sys.executable).with_name("dbt")
INCREMENTAL = [
    "int_activity_events",
    "fct_member_months",
    "mart_active_members_monthly",
    "mart_active_members_windows",
    "mart_contribution_inequality",
]
UNTOUCHED_MONTH = date(2025, 12, 1)  # neither the new day nor the late events fall in it
LATE_DAY = date(2026, 2, 14)
KEPT_EVENTS_MONTH = date(2026, 1, 1)  # nor in it: its events are kept as they were
PLANTED = ":planted"
# downstream of the treasury sources and the group hierarchy only: a new day of TogetherOS activity
# (forum posts, support points, time bank) does not reach it
UNREACHED = "mart_treasury_monthly"


def _models(warehouse: Path) -> dict[str, Counter]:
    """Every dbt model's rows (as a multiset: a duplicate row counts), by model name; the tables, since a
    staging view is read through them (and calls the dbt plugin's pseudonym function, absent here)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_schema in ('staging', 'intermediate', 'marts', 'public') order by all"
        ).fetchall()
        return {name: Counter(con.execute(f'select * from {schema}."{name}"').fetchall()) for schema, name in names}


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
        # and a planted row in a model the new rows do not reach: a refresh that rebuilt it would erase it
        con.execute(f"insert into marts.{UNREACHED} select * from marts.{UNREACHED} limit 1")
        # and a planted mark on an event of a month nothing new reaches, and on one of the late events' month
        # (on an object only fct_forum_topics reads, and only Discourse's: no figure changes)
        for month in (KEPT_EVENTS_MONTH, LATE_DAY.replace(day=1)):
            con.execute(
                f"update intermediate.int_activity_events set object = object || '{PLANTED}' where object = ("
                "select min(object) from intermediate.int_activity_events where date_trunc('month', ts) = ? "
                "and source <> 'discourse')",
                [month],
            )
    released_before = latest_release(data_dir / "releases")
    history_days = (DEMO["end"] - DEMO["start"]).days + 1
    incremental.add_day(data_dir / "inbox", incremental.next_day(DEMO["end"]), history_days)
    incremental.add_day(data_dir / "inbox", LATE_DAY, history_days)
    try:
        result = run_pipeline(data_dir)
        assert result.success
    finally:
        os.environ["TOGETHEROS_DATA_DIR"] = str(pipeline_run.data_dir)
    return data_dir, warehouse, released_before, result.run_id


def test_a_refresh_builds_only_the_models_new_rows_reach_and_still_publishes(refreshed):
    data_dir, warehouse, released_before, run_id = refreshed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows, distinct = con.execute(f"select count(*), count(distinct m) from marts.{UNREACHED} m").fetchone()
    assert rows == distinct + 1  # the planted duplicate is still there: dbt did not rebuild the model
    released = latest_release(data_dir / "releases")
    assert released is not None and released != released_before  # the release steps ran after it
    state = json.loads((warehouse.parent / dbt_changes.STATE_FOLDER / "built.json").read_text())
    assert state["inputs"]  # the build was recorded, so the next refresh selects from it too
    # the run's dbt target folder is gone (its partial parse is kept beside the warehouse)
    assert not (DBT_PROJECT_DIR / "target" / f"dbt_models-{run_id}").exists()
    assert (warehouse.parent / PARSE_CACHE).is_file()


def test_a_refresh_leaves_months_whose_inputs_did_not_change(refreshed):
    _, warehouse, _, _ = refreshed
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


def test_a_refresh_computes_every_event_but_writes_only_the_months_that_changed(refreshed):
    _, warehouse, _, _ = refreshed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        planted = dict(
            con.execute(
                "select cast(date_trunc('month', ts) as date), count(*) from intermediate.int_activity_events "
                f"where object like '%{PLANTED}' group by all"
            ).fetchall()
        )
        months = con.execute(
            "select count(distinct date_trunc('month', ts)), count(distinct (date_trunc('month', ts), "
            "month_fingerprint)) from intermediate.int_activity_events"
        ).fetchone()
    assert planted == {KEPT_EVENTS_MONTH: 1}  # the late events' month was written again, without it
    assert months[0] == months[1] > 2  # one fingerprint per month


def test_a_refresh_gives_what_a_whole_rebuild_gives(refreshed, tmp_path):
    data_dir, warehouse, _, _ = refreshed
    with duckdb.connect(str(warehouse)) as con:  # undo the planted values, as a whole rebuild would
        con.execute("delete from marts.mart_active_members_monthly where month = ?", [UNTOUCHED_MONTH])
        con.execute(f"update intermediate.int_activity_events set object = replace(object, '{PLANTED}', '')")
    _dbt(data_dir, tmp_path, "run", "--select", *INCREMENTAL, UNREACHED)
    after_refresh = _models(warehouse)
    _dbt(data_dir, tmp_path, "run", "--full-refresh")
    rebuilt = _models(warehouse)
    assert after_refresh.keys() == rebuilt.keys() and set(INCREMENTAL) <= rebuilt.keys()
    for name in rebuilt:
        assert after_refresh[name] == rebuilt[name], name
    for name in INCREMENTAL:
        assert rebuilt[name]
