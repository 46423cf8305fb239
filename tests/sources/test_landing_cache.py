"""Landing an inbox again reads only the files that changed since they were landed."""

from __future__ import annotations

import hashlib
import os

import duckdb
import pytest

from pipelines import landing
from pipelines.landing import land_inbox
from pipelines.raw import load_source
from tests.spy import spy_names


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The inbox files hashed, by name."""
    return spy_names(monkeypatch, landing, "_read_hashed")


def test_unchanged_file_is_not_hashed_again(tmp_path, hashed):
    inbox = tmp_path / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    (inbox / "users.ndjson").write_text('{"user_id": "u1"}\n')
    (inbox / "groups.ndjson").write_text('{"group_id": "g1"}\n')
    first, new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert new == 2 and sorted(hashed) == ["groups.ndjson", "users.ndjson"]

    hashed.clear()
    again, new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert new == 0 and hashed == [] and again == first


def test_landing_an_unchanged_inbox_opens_no_meta_file(tmp_path, monkeypatch):
    """300,000 meta files at 10M events: reading them made a one-day refresh land in a minute."""
    inbox = tmp_path / "inbox" / "discourse"
    inbox.mkdir(parents=True)
    for page in range(3):
        (inbox / f"t_{page}.json").write_text("{}")
    first, _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "discourse")

    def no_meta(self, sha256):
        raise AssertionError(f"meta of {sha256} opened")

    monkeypatch.setattr(landing.Landing, "record", no_meta)
    # nor asks for one file by file: whether each known file's meta is there is one listing of the folder
    monkeypatch.setattr(landing.Landing, "_meta_path", no_meta)
    again, new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "discourse")
    assert new == 0 and again == first


def test_changed_file_is_landed_again_even_with_same_size_and_mtime(tmp_path, hashed):
    inbox = tmp_path / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    users = inbox / "users.ndjson"
    users.write_text('{"user_id": "u1"}\n')
    (first,), _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")

    before = users.stat()
    users.write_text('{"user_id": "u2"}\n')  # same size
    os.utime(users, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime, as `cp -p` would
    hashed.clear()
    (second,), new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert new == 1 and hashed == ["users.ndjson"]
    assert second.sha256 != first.sha256 and second.file_name == first.file_name == "users.ndjson"
    assert second.path(tmp_path / "landing").read_text() == '{"user_id": "u2"}\n'

    users.write_text('{"user_id": "u1"}\n')  # back to the first version: known bytes, nothing new
    (third,), new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert new == 0 and third == first


def test_landed_files_are_recorded_once_when_loaded_again(tmp_path):
    inbox = tmp_path / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    (inbox / "users.ndjson").write_text('{"user_id": "u1"}\n')
    (inbox / "groups.ndjson").write_text('{"group_id": "g1"}\n')
    current, _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    con = duckdb.connect()
    load_source(con, "togetheros", current, tmp_path / "landing")
    con.execute("delete from raw.load_log")  # as after a contract change: every file is loaded again
    load_source(con, "togetheros", current, tmp_path / "landing")
    rows = con.execute("select sha256, source, file_name, bytes, origin from raw.landing_files order by 3").fetchall()
    assert rows == [(f.sha256, "togetheros", f.file_name, f.bytes, f.origin) for f in current]


def test_a_file_left_half_written_is_written_whole_again(tmp_path):
    """A landed file is written under its final name, and its meta after it: bytes with no meta (a crash
    between the two) are replaced when the same file is landed again."""
    inbox = tmp_path / "inbox" / "discourse"
    inbox.mkdir(parents=True)
    page = inbox / "t_1.json"
    page.write_text('{"post_stream": {"posts": []}}')
    (first,), _ = land_inbox(tmp_path / "inbox", tmp_path / "landing", "discourse")
    landed = first.path(tmp_path / "landing")
    landed.write_text('{"post_st')  # cut short, and its meta not written yet
    (tmp_path / "landing" / "discourse" / "meta" / f"{first.sha256}.json").unlink()
    (tmp_path / "landing" / "discourse" / "index.json").unlink()

    (again,), new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "discourse")
    assert new == 1 and again.sha256 == first.sha256
    assert landed.read_bytes() == page.read_bytes()
    assert not list(landed.parent.glob(".*"))  # no temporary file left beside it


def test_a_file_larger_than_a_chunk_is_copied_whole(tmp_path, hashed):
    inbox = tmp_path / "inbox" / "togetheros"
    inbox.mkdir(parents=True)
    users = inbox / "users.ndjson"
    users.write_bytes(b"".join(b'{"user_id": "u%d"}\n' % n for n in range(landing.CHUNK // 8)))
    (first,), new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert new == 1 and hashed == ["users.ndjson"] and first.bytes == users.stat().st_size > landing.CHUNK
    assert first.path(tmp_path / "landing").read_bytes() == users.read_bytes()
    assert first.sha256 == hashlib.sha256(users.read_bytes()).hexdigest()
