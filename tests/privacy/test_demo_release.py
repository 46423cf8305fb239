"""The release the shared `pipeline_run` (the demo community, canaries included) builds is clean, and
its small cells are suppressed at the default threshold."""

from __future__ import annotations

import os

import duckdb
import pytest

from demo.canaries import CANARIES
from pipelines.assets.privacy import extra_terms
from pipelines.privacy import forbidden_terms, scan_release
from pipelines.privacy.scan import normalise
from pipelines.settings import DEFAULT_MIN_COUNT, Paths
from tests.privacy.suppression import assert_suppressed_below

pytestmark = pytest.mark.slow


def test_the_demo_release_holds_no_personal_data(pipeline_run):
    # the terms the privacy gate searches: the landed people and the extra terms the demo configured
    extra = extra_terms(Paths(pipeline_run.data_dir).privacy_terms)
    terms = forbidden_terms(pipeline_run.data_dir / "landing", extra)
    canaries = {normalise(value) for canary in CANARIES for value in canary.values()}
    assert canaries <= terms and len(terms) > 500  # the whole demo population is searched for
    assert scan_release(pipeline_run.release, terms) == []


def test_small_cells_are_suppressed_at_the_default_threshold(pipeline_run):
    if os.environ.get("TOGETHEROS_MIN_COUNT"):
        pytest.skip("TOGETHEROS_MIN_COUNT is set: the shared run did not use the default threshold")
    warehouse = pipeline_run.data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql("""
            select m.active_members, p.active_members, p.is_suppressed
            from marts.mart_active_members_monthly m
            join public.participation_monthly p on p.group_id = m.group_id and p.month = m.month
        """).fetchall()
    assert any(actual < DEFAULT_MIN_COUNT for actual, _, _ in rows)  # the demo has small groups to hide
    assert_suppressed_below(rows, DEFAULT_MIN_COUNT)
