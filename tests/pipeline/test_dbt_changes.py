"""What a refresh asks dbt to build (pipelines/dbt_changes.py), from the load log of a real warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines import dbt_changes
from pipelines.raw import BOOKKEEPING_DDL

VARS = json.dumps({"data_dir": "/a", "min_count": 5})


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as con:
        con.execute(BOOKKEEPING_DDL)
        con.execute(
            "insert into raw.load_log values "
            "('togetheros', 'forum_posts', 'a1', 'forum_posts.ndjson', 3, 3, 0), "
            "('decidim', 'proposals', 'b1', 'x.zip', 2, 1, 1), "
            "('decidim', 'file', 'b2', 'y.zip', 1, 0, 1)"
        )
        yield con


def _build(con, state: Path, settings: str) -> None:
    dbt_changes.record(state, dbt_changes.fingerprints(con), settings)


def test_a_new_file_selects_the_models_downstream_of_its_table_and_the_bookkeeping(con, tmp_path):
    settings = dbt_changes.settings_digest(VARS, "", tmp_path / "no.key")
    _build(con, tmp_path / "state", settings)
    args, _ = dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)
    assert args is None  # nothing new: dbt is not run

    con.execute("insert into raw.load_log values ('togetheros', 'forum_posts', 'a2', 'd/forum_posts.ndjson', 1, 1, 0)")
    args, why = dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)
    assert args == ["--select", "source:pipeline.*+ source:togetheros.togetheros__forum_posts+"]
    assert "decidim" not in why


def test_rows_moved_out_of_hold_change_the_table(con, tmp_path):
    before = dbt_changes.fingerprints(con)
    con.execute("update raw.load_log set rows_accepted = 2, rows_quarantined = 0 where landing_sha256 = 'b1'")
    after = dbt_changes.fingerprints(con)
    assert before["decidim.decidim__proposals"] != after["decidim.decidim__proposals"]
    assert before["togetheros.togetheros__forum_posts"] == after["togetheros.togetheros__forum_posts"]


def test_no_record_or_other_settings_or_key_mean_a_whole_build(con, tmp_path):
    key = tmp_path / "pseudonym.key"
    key.write_text("k1")
    settings = dbt_changes.settings_digest(VARS, "", key)
    assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)[0] == []
    _build(con, tmp_path / "state", settings)
    # where the data dir is does not matter (a copied data dir holds the same models)
    moved = dbt_changes.settings_digest(json.dumps({"data_dir": "/b", "min_count": 5}), "", key)
    assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), moved)[0] is None
    for other in (
        dbt_changes.settings_digest(json.dumps({"data_dir": "/a", "min_count": 10}), "", key),
        dbt_changes.settings_digest(VARS, "a key from the environment", key),
    ):
        assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), other)[0] == []
    key.write_text("k2")
    changed_key = dbt_changes.settings_digest(VARS, "", key)
    assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), changed_key)[0] == []


def test_a_change_to_the_project_code_means_a_whole_build(con, tmp_path):
    project = tmp_path / "models"
    project.mkdir()
    (project / "a.sql").write_text("select 1")
    settings = dbt_changes.settings_digest(VARS, "", tmp_path / "no.key", [project])
    _build(con, tmp_path / "state", settings)
    assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)[0] is None
    (project / "a.sql").write_text("select 2")
    edited = dbt_changes.settings_digest(VARS, "", tmp_path / "no.key", [project])
    assert dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), edited)[0] == []


def test_a_whole_build_runs_on_one_thread_and_a_refresh_on_the_profiles(con, tmp_path):
    settings = dbt_changes.settings_digest(VARS, "", tmp_path / "no.key")
    whole, _ = dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)
    assert dbt_changes.thread_args(whole) == ["--threads", "1"]
    _build(con, tmp_path / "state", settings)
    con.execute("insert into raw.load_log values ('togetheros', 'forum_posts', 'a2', 'd/forum_posts.ndjson', 1, 1, 0)")
    refresh, _ = dbt_changes.selection(tmp_path / "state", dbt_changes.fingerprints(con), settings)
    assert dbt_changes.thread_args(refresh) == []
