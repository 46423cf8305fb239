"""Well-formed but impossible records, through the real raw load into a real DuckDB: a record dated in
the future is quarantined (it must never move "data as of"), and of two versions of one record in a
file the latest by the source's own version or update time is kept."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.landing import land_inbox
from pipelines.raw import load_source


def _post(post_id: int, number: int, created: str, updated: str, version: int) -> dict:
    return {
        "id": post_id,
        "topic_id": 8,
        "post_number": number,
        "user_id": 2,
        "username": "member2",
        "created_at": created,
        "updated_at": updated,
        "post_type": 1,
        "version": version,
        "hidden": False,
        "user_deleted": False,
        "deleted_at": None,
    }


def _topic_page(posts: list[dict]) -> bytes:
    page = {
        "id": 8,
        "archetype": "regular",
        "created_at": "2024-03-05T10:00:00.000Z",
        "posts_count": len(posts),
        "category_id": 1,
        "visible": True,
        "user_id": 2,
        "deleted_at": None,
        "post_stream": {"posts": posts},
    }
    return json.dumps(page).encode()


def _load(tmp_path: Path, source: str, files: dict[str, bytes]) -> duckdb.DuckDBPyConnection:
    for name, data in files.items():
        (tmp_path / "inbox" / source / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "inbox" / source / name).write_bytes(data)
    landed, _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", source)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    load_source(con, source, landed, tmp_path / "landing")
    return con


def test_the_edited_version_of_a_post_wins_over_the_stale_one(tmp_path):
    """Today the first of the two was kept and the edited one quarantined as a duplicate."""
    stale = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-05T10:12:03.321Z", 1)
    edited = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-06T08:00:00.000Z", 2)
    con = _load(tmp_path, "discourse", {"t_8.json": _topic_page([stale, edited])})
    assert con.execute("select post_id, version from raw.discourse__posts").fetchall() == [(101, 2)]
    assert con.execute("select record, rule, column_name, value from raw.quarantine").fetchall() == [
        ("$.post_stream.posts[0]", "post_id:older_version", "version", "1")
    ]


def test_the_latest_version_wins_whichever_comes_first(tmp_path):
    edited = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-06T08:00:00.000Z", 2)
    stale = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-05T10:12:03.321Z", 1)
    con = _load(tmp_path, "discourse", {"t_8.json": _topic_page([edited, stale])})
    assert con.execute("select version from raw.discourse__posts").fetchall() == [(2,)]
    assert con.execute("select rule from raw.quarantine").fetchall() == [("post_id:older_version",)]


def test_an_exact_duplicate_is_still_a_duplicate(tmp_path):
    post = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-05T10:12:03.321Z", 1)
    con = _load(tmp_path, "discourse", {"t_8.json": _topic_page([post, post])})
    assert con.execute("select count(*) from raw.discourse__posts").fetchall() == [(1,)]
    assert con.execute("select record, rule from raw.quarantine").fetchall() == [
        ("$.post_stream.posts[1]", "post_id:duplicate_key")
    ]


def test_a_post_dated_2099_is_quarantined_with_its_value(tmp_path):
    """Today it was accepted and moved every page's "data as of" to 2099-01-01."""
    good = _post(101, 1, "2024-03-05T10:12:03.321Z", "2024-03-05T10:12:03.321Z", 1)
    future = _post(102, 2, "2099-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z", 1)
    con = _load(tmp_path, "discourse", {"t_8.json": _topic_page([good, future])})
    assert con.execute("select post_id from raw.discourse__posts").fetchall() == [(101,)]
    ((rule, column, value, message),) = con.execute(
        "select rule, column_name, value, message from raw.quarantine"
    ).fetchall()
    assert (rule, column, value) == ("created_at:future", "created_at", "2099-01-01 00:00:00")
    assert "t_8.json" in message and "2099-01-01 00:00:00 UTC" in message
    assert con.execute("select max(created_at) from raw.discourse__posts").fetchall()[0][0].year == 2024


def _ndjson(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def test_a_vote_for_a_proposal_that_does_not_exist_is_held_until_the_proposal_loads(tmp_path):
    """Today such a vote was accepted into staging: no referential rule anywhere."""
    proposal = {"proposal_id": "p1", "status": "voting", "created_at": "2024-03-01T10:00:00Z"}
    votes = [
        {"proposal_id": "p1", "member_id": "m1", "vote_type": "consent", "voted_at": "2024-03-02T10:00:00Z"},
        {"proposal_id": "p9", "member_id": "m2", "vote_type": "consent", "voted_at": "2024-03-02T11:00:00Z"},
    ]
    con = _load(
        tmp_path, "togetheros", {"proposals.ndjson": _ndjson([proposal]), "proposal_votes.ndjson": _ndjson(votes)}
    )
    assert con.execute("select proposal_id from raw.togetheros__proposal_votes").fetchall() == [("p1",)]
    ((record, rule, column, value, message),) = con.execute(
        "select record, rule, column_name, value, message from raw.quarantine where entity = 'proposal_votes'"
    ).fetchall()
    assert (record, rule, column, value) == ("2", "proposal_id:no_such_proposal", "proposal_id", "p9")
    assert "proposal_votes.ndjson" in message
    log = con.execute(
        "select rows_read, rows_accepted, rows_quarantined from raw.load_log where entity = 'proposal_votes'"
    ).fetchall()
    assert log == [(2, 1, 1)]

    # the proposal arrives in a later file: the vote loads, its quarantine record goes
    other = {**proposal, "proposal_id": "p9"}
    (tmp_path / "inbox" / "togetheros" / "more" / "proposals.ndjson").parent.mkdir(parents=True)
    (tmp_path / "inbox" / "togetheros" / "more" / "proposals.ndjson").write_bytes(_ndjson([other]))
    landed, _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    load_source(con, "togetheros", landed, tmp_path / "landing")
    assert sorted(con.execute("select proposal_id from raw.togetheros__proposal_votes").fetchall()) == [
        ("p1",),
        ("p9",),
    ]
    assert con.execute("select count(*) from raw.quarantine where entity = 'proposal_votes'").fetchall() == [(0,)]
    log = con.execute(
        "select rows_read, rows_accepted, rows_quarantined from raw.load_log where entity = 'proposal_votes'"
    ).fetchall()
    assert log == [(2, 2, 0)]
