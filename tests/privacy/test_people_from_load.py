"""The raw load collects the privacy gate's people of each file it loads (in a process beside it), so the
gate's first pass reads nothing; the gate stays as strict without that list: a person named in a landed
file is still found when the list is missing, or was written by other readers (stale)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets.ingest import landing_asset, raw_asset
from pipelines.assets.resources import DataDir, InputLimits, Sources, Warehouse
from pipelines.privacy import forbidden_terms, people_cache
from pipelines.settings import Paths
from tests.privacy.test_scan import _write_inbox
from tests.spy import spy_names

SOURCES = ("discourse", "timeoverflow", "togetheros")


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the landed files the gate reads itself."""
    return spy_names(monkeypatch, people_cache, "read_people")


def _load(data: Path) -> Paths:
    paths = Paths.at(data)
    _write_inbox(paths.inbox)
    result = dg.materialize(
        [asset for source in SOURCES for asset in (landing_asset(source), raw_asset(source))],
        resources={
            "data_dir": DataDir(path=str(paths.data)),
            "warehouse": Warehouse(),
            "sources": Sources(),
            "limits": InputLimits(),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return paths


def test_the_load_collects_the_people_and_without_its_list_the_gate_finds_them_itself(tmp_path, reads):
    paths = _load(tmp_path / "data")
    assert list(paths.warehouse.parent.glob("privacy-people-*.duckdb"))  # beside the load's warehouse
    from_the_load = forbidden_terms(paths.landing)
    assert {"ingrid solberg", "ingrid@example.no"} <= from_the_load
    assert reads == []  # the gate's first pass read no landed file

    for cache in paths.warehouse.parent.glob(people_cache.CACHE_GLOB):
        cache.unlink()
    assert forbidden_terms(paths.landing) == from_the_load
    assert "users.csv" in reads


def test_a_list_from_other_readers_is_not_trusted(tmp_path, monkeypatch):
    paths = Paths.at(tmp_path / "data")
    _write_inbox(paths.inbox)
    from pipelines.landing import land_inbox

    land_inbox(paths.inbox, paths.landing, "togetheros")
    real_digest = people_cache._readers_digest()
    # readers that found nobody in the file (an older version of them), under their own digest
    monkeypatch.setattr(people_cache, "_readers_digest", lambda: "0ld" + real_digest[3:])
    monkeypatch.setattr(people_cache, "read_people", lambda item: people_cache.People())
    assert people_cache.fill(paths.landing, paths.warehouse.parent, "togetheros") == 2
    monkeypatch.undo()
    reads = spy_names(monkeypatch, people_cache, "read_people")

    assert "rafa_g" in forbidden_terms(paths.landing)
    assert "users.ndjson" in reads
