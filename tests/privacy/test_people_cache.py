"""The people cache of a landing folder: each landed file is read once ever, a new one is read when it
lands, one gone from landing no longer counts, and the people are those found without the cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.landing import land_inbox
from pipelines.privacy import forbidden_terms, people_cache
from pipelines.privacy.people import collect
from tests.privacy.test_scan import _write_inbox
from tests.spy import spy_names

SOURCES = ("discourse", "decidim", "opencollective", "timeoverflow", "togetheros")


def _landing(root: Path) -> Path:
    _write_inbox(root / "inbox")
    for source in SOURCES:
        land_inbox(root / "inbox", root / "landing", source)
    return root / "landing"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the landed files the cache reads."""
    return spy_names(monkeypatch, people_cache, "read_people")


def test_each_landed_file_is_read_once_and_yields_what_it_yields_uncached(tmp_path, reads):
    landing = _landing(tmp_path)
    uncached = collect(landing)
    assert people_cache.collect_landed(landing, tmp_path / "warehouse") == uncached
    assert len(reads) == 8
    reads.clear()
    assert people_cache.collect_landed(landing, tmp_path / "warehouse") == uncached
    assert reads == []
    assert forbidden_terms(landing) == forbidden_terms(tmp_path / "inbox")  # the same files, read as an inbox


def test_a_newly_landed_file_is_read_and_its_people_found(tmp_path, reads):
    landing = _landing(tmp_path)
    forbidden_terms(landing)
    reads.clear()
    post = {"id": 6, "post_stream": {"posts": [{"id": 2, "username": "zora_n", "name": "Zora Neale"}]}}
    (tmp_path / "inbox" / "discourse" / "t_6.json").write_text(json.dumps(post))
    land_inbox(tmp_path / "inbox", landing, "discourse")
    assert {"zora_n", "zora neale", "maria_p"} <= forbidden_terms(landing)
    assert reads == ["t_6.json"]


def test_a_file_gone_from_landing_no_longer_counts(tmp_path):
    landing = _landing(tmp_path)
    assert "rafa_g" in forbidden_terms(landing)
    sha256 = json.loads((landing / "togetheros" / "index.json").read_text())["users.ndjson"]["sha256"]
    next((landing / "togetheros" / "files").glob(f"{sha256}*")).unlink()
    assert "rafa_g" not in forbidden_terms(landing)


def test_undecodable_names_survive_and_the_cache_stays_out_of_landing(tmp_path):
    (tmp_path / "inbox" / "timeoverflow").mkdir(parents=True)
    (tmp_path / "inbox" / "timeoverflow" / "users.csv").write_bytes(b"id,username\n1,Ingrid \xff Solberg\n")
    land_inbox(tmp_path / "inbox", tmp_path / "landing", "timeoverflow")
    landed = sorted((tmp_path / "landing").rglob("*"))
    first = people_cache.collect_landed(tmp_path / "landing", tmp_path / "warehouse")
    assert first == people_cache.collect_landed(tmp_path / "landing", tmp_path / "warehouse")
    assert first == collect(tmp_path / "landing") and "Ingrid \udcff Solberg" in first.personal
    assert sorted((tmp_path / "landing").rglob("*")) == landed
    assert len(list((tmp_path / "warehouse").glob("privacy-people-*.duckdb"))) == 1


def test_the_books_free_text_is_cached_apart_from_the_people(tmp_path):
    from tests.privacy.test_gate_inputs import JOURNAL

    (tmp_path / "inbox" / "ledger").mkdir(parents=True)
    (tmp_path / "inbox" / "ledger" / "books.journal").write_text(JOURNAL)
    land_inbox(tmp_path / "inbox", tmp_path / "landing", "ledger")
    cached = people_cache.collect_landed(tmp_path / "landing", tmp_path / "warehouse")
    assert cached == people_cache.collect_landed(tmp_path / "landing", tmp_path / "warehouse")
    assert cached == collect(tmp_path / "landing")
    # payees and withheld levels are the books' free text, checked against the release's own vocabulary
    assert {"Wilhelmina Ostrowska", "Bartholomew Quince", "Corner Hardware"} <= cached.ledger
    assert not cached.personal


def test_current_files_are_named_by_the_index_and_older_versions_by_their_meta(tmp_path, monkeypatch):
    landing = _landing(tmp_path)
    # a second version of a page: the index names the new one, only the old one's meta names it
    post = {"id": 5, "post_stream": {"posts": [{"id": 9, "username": "ines_v", "name": "Ines Vidal"}]}}
    (tmp_path / "inbox" / "discourse" / "t_5.json").write_text(json.dumps(post))
    land_inbox(tmp_path / "inbox", landing, "discourse")
    uncached = collect(landing)  # every version, each by its meta
    metas_opened = spy_names(monkeypatch, people_cache, "landed_input")

    cached = people_cache.collect_landed(landing, tmp_path / "warehouse")
    assert cached == uncached and "ines_v" in cached.personal
    older = len(list(landing.glob("*/meta/*.json"))) - sum(
        len(json.loads(index.read_text())) for index in landing.glob("*/index.json")
    )
    assert older >= 1 and len(metas_opened) == older
