"""The whole pipeline, in process, on a small demo community: landing → raw → dbt → release →
dashboard. Released figures are checked against tests/independent.py, a second implementation in
plain Python that reads the native inbox files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboards.navigation import HEADINGS as PAGES
from pipelines.release import verify_release
from pipelines.release.lineage import read_lineage
from tests import independent

pytestmark = pytest.mark.slow

MIN_COUNT = 5
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def released(run, dataset: str, columns: str) -> list[tuple]:
    path = run.release / "data" / f"{dataset}.parquet"
    return duckdb.sql(f"select {columns} from read_parquet(?)", params=[str(path)]).fetchall()


def federation_id(run) -> str:
    return next(g for g, *_ in released(run, "groups", "group_id, level") if _[0] == "global")


def test_the_pipeline_succeeds_and_its_release_verifies(pipeline_run):
    assert pipeline_run.success
    report = verify_release(pipeline_run.release, walk_chain=True)
    assert report.ok, report.messages()


def test_monthly_active_members_match_the_independent_count(pipeline_run):
    expected = independent.active_members_monthly(pipeline_run.inbox)
    rows = released(pipeline_run, "participation_monthly", "group_id, month, active_members, is_suppressed")
    assert {(g, m) for g, m, _, _ in rows} == set(expected)
    parent = {g: p for g, p in released(pipeline_run, "groups", "group_id, parent_id")}
    for group, month, active, suppressed in rows:
        count = expected[(group, month)]
        if count < MIN_COUNT:
            assert suppressed and active is None, (group, month, count)
        elif suppressed:
            # secondary suppression: hidden only beside a sibling that is hidden for being small
            siblings = [g for g, p in parent.items() if p == parent[group] and g != group]
            assert active is None and any(expected.get((g, month), 0) < MIN_COUNT for g in siblings)
        else:
            assert active == count, (group, month)
    assert sum(1 for *_, suppressed in rows if not suppressed) > 20  # the check is not vacuous


def test_proposals_per_stage_match_the_independent_count(pipeline_run):
    rows = released(pipeline_run, "proposals_by_stage", "group_id, stage, proposals")
    assert {(g, s): n for g, s, n in rows} == independent.proposals_by_stage(pipeline_run.inbox)


def test_treasury_flows_match_the_independent_books(pipeline_run):
    rows = released(pipeline_run, "treasury_monthly", "group_id, month, currency, inflow_minor, outflow_minor")
    got = {(g, m, c): (i, o) for g, m, c, i, o in rows}
    expected = independent.treasury_monthly(pipeline_run.inbox)
    assert got == expected
    assert {c for _, _, c in got} >= {"USD", "EUR"}


def test_every_record_read_is_accepted_or_quarantined(pipeline_run):
    audit = released(pipeline_run, "load_audit", "source, rows_read, rows_accepted, rows_quarantined")
    assert all(read == accepted + quarantined for _, read, accepted, quarantined in audit)
    assert {source for source, *_ in audit} >= {
        "discourse",
        "decidim",
        "opencollective",
        "ledger",
        "timeoverflow",
        "togetheros",
        "community",
    }
    quarantined = sum(q for *_, q in audit)
    assert quarantined >= len(pipeline_run.summary["defects"]) > 0


def test_a_rerun_on_the_same_inputs_changes_no_data(pipeline_run):
    from pipelines.cli import run_pipeline

    before = (pipeline_run.release / "SHA256SUMS").read_text().splitlines()
    landing_before = sorted(p.name for p in (pipeline_run.data_dir / "landing").rglob("*") if p.is_file())
    assert run_pipeline(pipeline_run.data_dir).success
    after = (pipeline_run.release / "SHA256SUMS").read_text().splitlines()
    landing_after = sorted(p.name for p in (pipeline_run.data_dir / "landing").rglob("*") if p.is_file())
    assert landing_after == landing_before
    data_lines = [line for line in before if " data/" in line]
    assert data_lines and data_lines == [line for line in after if " data/" in line]


@pytest.fixture
def latest_month_figures(pipeline_run, monkeypatch):
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(pipeline_run.data_dir / "releases"))
    federation = federation_id(pipeline_run)
    last_month = max(m for g, m in independent.active_members_monthly(pipeline_run.inbox) if g == federation)
    active = independent.active_members_monthly(pipeline_run.inbox)[(federation, last_month)]
    decided = independent.proposals_by_stage(pipeline_run.inbox).get((federation, "decided"), 0)
    return federation, last_month, active, decided


def test_the_overview_shows_the_released_figures(latest_month_figures):
    from tests.dashboards.test_app import metrics, run_app

    federation, month, active, decided = latest_month_figures
    shown = metrics(run_app({"group": federation, "to": f"{month:%Y-%m}"}))
    assert shown[f"Active members, {month:%b %Y}"] == f"{active:,}"
    assert shown["Proposals decided"] == f"{decided:,}"


@pytest.mark.browser
def test_the_served_dashboard_shows_the_overview_figures(pipeline_run, latest_month_figures):
    from tests.dashboards.browser import (
        CHROMIUM,
        full_page_screenshot,
        launch_browser,
        metric_values,
        open_page,
        serve_dashboard,
    )

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    from pipelines.privacy import forbidden_terms, scan_text

    federation, month, active, decided = latest_month_figures
    terms = forbidden_terms(pipeline_run.data_dir / "landing")
    findings = []
    with serve_dashboard(pipeline_run.data_dir / "releases") as base_url, launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_page(page, f"{base_url}/?group={federation}&to={month:%Y-%m}", "Overview")
        shown = metric_values(page)
        full_page_screenshot(page, SCREENSHOTS / "overview-real-release.png")
        # every page a visitor can open shows nobody: no name, handle, email or phone from the inputs
        for path, title in PAGES.items():
            open_page(page, f"{base_url}/{path}?group={federation}", title)
            findings += scan_text(page.inner_text("body"), terms, label=title)
    assert shown[f"Active members, {month:%b %Y}"] == f"{active:,}"
    assert shown["Proposals decided"] == f"{decided:,}"
    assert len(terms) > 100 and findings == []


def test_the_release_names_the_landing_files_it_was_built_from(pipeline_run):
    descriptor = json.loads((pipeline_run.release / "datapackage.json").read_text())
    lineage = read_lineage(pipeline_run.release)
    landed = {p.name.split(".")[0] for p in (pipeline_run.data_dir / "landing").glob("*/files/*")}
    assert {entry["sha256"] for entry in lineage} == landed
    assert descriptor["togetheros:data_as_of"] <= f"{date.today():%Y-%m-%d}T23:59:59Z"
