"""Refuse to publish nothing (issue 14): a missing or empty inbox stops `togetheros pipeline` before
anything runs, with the folder and what was expected; a release with no data rows is not written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.preflight import empty_release_problem, inbox_problem

ROOT = Path(__file__).resolve().parents[2]
NO_API = {"PATH": "/usr/bin:/bin"}  # no source's API configured


def _pipeline(data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    apis = ("OPENCOLLECTIVE", "DISCOURSE", "DECIDIM")
    env = {k: v for k, v in os.environ.items() if not k.startswith(apis)}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "pipeline", "--data-dir", str(data_dir)],
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


@pytest.mark.slow
def test_a_run_whose_every_file_is_refused_publishes_no_release(tmp_path: Path):
    """An inbox with a file that passes the first check but gives no row: the release step refuses,
    names why, and nothing is published (`latest` is never made)."""
    data = tmp_path / "data"
    (data / "inbox" / "discourse").mkdir(parents=True)
    (data / "inbox" / "discourse" / "posts.json").write_text("this is not a Discourse export\n")
    run = _pipeline(data, timeout=600)
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "refusing to publish a release with no data rows" in run.stderr
    assert "pipeline finished" not in run.stdout
    assert not (data / "releases" / "latest").exists()
