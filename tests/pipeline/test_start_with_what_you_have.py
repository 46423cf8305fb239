"""A community without the TogetherOS platform: only forum pages (the real Discourse captures, under
their capture names) and a ledger book. It gets a verifying release with one default group; `togetheros
init` writes the community folder's templates with the space ids found in the inbox; with two groups, a
space no mapping names stops the run with the line to add, not a failed relationships test."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from pipelines import spaces
from pipelines.cli import main as cli
from pipelines.landing import land_inbox
from pipelines.raw import load_source
from pipelines.release import verify_release
from pipelines.settings import SOURCES

pytestmark = pytest.mark.slow

BOOK = """2024-01-05 * Member dues
    Assets:Bank:Checking      120.00 USD
    Income:Dues

2024-02-10 * Hall rent
    Expenses:Rent             80.00 USD
    Assets:Bank:Checking

2024-03-01 * Bank fee
    Expenses:Bank fees         2.50 USD
    Assets:Bank:Checking
"""


def forum_and_books(inbox: Path, realdata: Path) -> None:
    """The real captures are linked, never copied; the book is hand-written."""
    forum = inbox / "discourse"
    forum.mkdir(parents=True)
    for capture in sorted((realdata / "discourse_sourcecred").glob("*.json")):
        (forum / capture.name).symlink_to(capture)
    books = inbox / "ledger" / "books"
    books.mkdir(parents=True)
    (books / "main.ledger").write_text(BOOK)


def released(release: Path, dataset: str, columns: str) -> list[tuple]:
    path = release / "data" / f"{dataset}.parquet"
    return duckdb.sql(f"select {columns} from read_parquet(?) order by all", params=[str(path)]).fetchall()


def test_forum_and_books_only_give_a_verifying_release(tmp_path, realdata, monkeypatch, capfd):
    from pipelines.cli import run_pipeline

    monkeypatch.setenv("TOGETHEROS_DATA_DIR", str(tmp_path))
    forum_and_books(tmp_path / "inbox", realdata)
    result = run_pipeline(tmp_path)
    failures = [e.message for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    release = (tmp_path / "releases" / "latest").resolve()
    report = verify_release(release)
    assert report.ok, report.messages()
    assert released(release, "groups", "group_id, level") == [("community", "global")]
    legs = duckdb.sql(
        "select group_id, sum(amount_minor)::bigint from read_parquet(?) group by all",
        params=[str(release / "data" / "treasury_legs.parquet")],
    ).fetchall()
    assert legs == [("community", 12000 - 8000 - 250)]
    # each dataset its own last-data date: the books end in March 2024, the forum's posts years before
    descriptor = json.loads((release / "datapackage.json").read_text())
    as_of = {r["name"]: r["togetheros:data_as_of"] for r in descriptor["resources"]}
    assert as_of["treasury_monthly"] == "2024-03-01T00:00:00Z" == descriptor["togetheros:data_as_of"]
    assert as_of["participation_monthly"] < "2021" and as_of["participation_monthly"].startswith("20")
    posts = duckdb.sql(
        "select count(*) from read_parquet(?) where group_id = 'community'",
        params=[str(release / "data" / "participation_monthly.parquet")],
    ).fetchall()[0][0]
    assert posts > 0  # the forum's months are there, in the default group
    assert "published under one default group 'community'" in capfd.readouterr().err  # the run's log says so


def test_init_writes_the_templates_with_the_inbox_space_ids(tmp_path, realdata, capsys):
    forum_and_books(tmp_path / "inbox", realdata)
    assert cli(["init", "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    folder = tmp_path / "inbox" / "community"
    with (folder / "space_groups.csv").open() as handle:
        mapping = {(r["source"], r["space_id"]): r["group_id"] for r in csv.DictReader(handle)}
    assert mapping[("ledger", "books/main")] == "community"  # the path under inbox/ledger/, no extension
    assert {s for s, _ in mapping} == {"discourse", "ledger"}
    assert ("discourse", "1") in mapping and "ledger book" in printed
    assert (folder / "groups.csv").read_text().splitlines()[:2] == [
        "group_id,name,level,parent_id",
        "community,Whole community,global,",
    ]
    # a second run leaves the files alone and lists what an existing mapping lacks
    (folder / "space_groups.csv").write_text("source,space_id,group_id\nledger,books/main,community\n")
    assert cli(["init", "--data-dir", str(tmp_path)]) == 0
    again = capsys.readouterr().out
    assert "left as it is" in again and "discourse,1,<group_id>" in again
    assert (folder / "space_groups.csv").read_text().count("\n") == 2


def raw_warehouse(inbox: Path, landing: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for source in SOURCES:
        landed, _ = land_inbox(inbox, landing, source)
        load_source(con, source, landed, landing)
    return con


@pytest.mark.parametrize("groups_file", ["groups.csv", None])
def test_an_unmapped_space_is_an_error_naming_source_space_and_file(tmp_path, realdata, groups_file):
    inbox = tmp_path / "inbox"
    forum_and_books(inbox, realdata)
    community = inbox / "community"
    community.mkdir()
    if groups_file:
        (community / groups_file).write_text(
            "group_id,name,level,parent_id\nfed,Federation,global,\nnorth,North,local,fed\n"
        )
        (community / "space_groups.csv").write_text("source,space_id,group_id\ndiscourse,1,north\n")
    else:  # a mapping to a group that nothing defines: today's relationships_fct_treasury_legs failure
        (community / "space_groups.csv").write_text("source,space_id,group_id\nledger,books/main,north\n")
    report = spaces.check(raw_warehouse(inbox, tmp_path / "landing"), inbox)
    text = "\n".join(report.errors)
    if groups_file:
        assert "ledger space 'books/main' (ledger book: its path under inbox/ledger/ without extension)" in text
        assert "(named in inbox/ledger/books/main.ledger)" in text
        assert f"`ledger,books/main,<group_id>` to {community / 'space_groups.csv'}" in text
        assert "groups: fed, north" in text
        assert "discourse space '1'" not in text  # mapped; its subcategories follow their parent
    else:
        assert "puts ledger space 'books/main' in group 'north', which no groups file defines" in text
        assert str(community / "groups.csv") in text and "togetheros init" in text
        assert report.notes and "default group" in report.notes[0]


def test_one_group_needs_no_mapping(tmp_path, realdata):
    inbox = tmp_path / "inbox"
    forum_and_books(inbox, realdata)
    (inbox / "community").mkdir()
    (inbox / "community" / "groups.csv").write_text("group_id,name,level,parent_id\ncity,City,local,\n")
    report = spaces.check(raw_warehouse(inbox, tmp_path / "landing"), inbox)
    assert report.groups == ["city"] and report.errors == [] and report.notes == []


def test_a_ledger_folder_maps_every_file_below_it(tmp_path, realdata):
    inbox = tmp_path / "inbox"
    forum_and_books(inbox, realdata)
    community = inbox / "community"
    community.mkdir()
    (community / "groups.csv").write_text(
        "group_id,name,level,parent_id\nfed,Federation,global,\nnorth,North,local,fed\n"
    )
    (community / "space_groups.csv").write_text("source,space_id,group_id\ndiscourse,1,north\nledger,books/,north\n")
    report = spaces.check(raw_warehouse(inbox, tmp_path / "landing"), inbox)
    assert not [e for e in report.errors if "ledger space" in e]
    # a folder that does not hold the file maps nothing
    (community / "space_groups.csv").write_text("source,space_id,group_id\ndiscourse,1,north\nledger,book/,north\n")
    report = spaces.check(raw_warehouse(inbox, tmp_path / "landing2"), inbox)
    assert any("ledger space 'books/main'" in e for e in report.errors)
