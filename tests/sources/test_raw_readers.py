"""The raw load's parsers in worker processes (pipelines/raw_readers.py) write exactly what the load in
one process writes: the demo community's files of each source that is read file by file or in batches,
with a bad file beside them, are loaded by the real raw load into two real DuckDB files, once with two
reader processes and once without; every raw table and every bookkeeping table is equal row for row, in
the order written. The parser settings and limits reach the workers, and a worker that dies leaves its
units to the loading process."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
import pytest

from pipelines import raw
from pipelines.landing import land_inbox
from pipelines.privacy import people_cache
from pipelines.raw import _args, load_source
from pipelines.raw_readers import Readers, read_unit
from pipelines.sources.decidim.parse import budget_currency
from pipelines.sources.limits import Limits
from pipelines.sources.togetheros import parse as togetheros

BOOKKEEPING = ("landing_files", "load_log", "quarantine", "file_outcomes")
# pages the parser refuses (not JSON) and one it raises on (nesting past the JSON reader's depth)
BAD_PAGES = {"t_9001.json": b'{"post_stream": {"posts": [', "t_9002.json": b"[" * 100_000 + b"]" * 100_000}


@pytest.fixture(scope="module")
def demo_inbox(tmp_path_factory) -> Path:
    from demo.generate import generate

    inbox = tmp_path_factory.mktemp("demo") / "inbox"
    generate(inbox, seed=5, members=120, start=date(2025, 11, 1), end=date(2026, 4, 30))
    return inbox


def _tables(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, list[tuple]]:
    names = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()
        if t.startswith(f"{source}__") or t in BOOKKEEPING
    ]
    return {name: con.execute(f'select * from raw."{name}"').fetchall() for name in names}


def _load_both(tmp_path: Path, demo_inbox: Path, source: str, extra=None, **options):
    inbox = tmp_path / "inbox"
    shutil.copytree(demo_inbox / source, inbox / source)
    for name, data in (extra or {}).items():
        (inbox / source / name).write_bytes(data)
    landed, _ = land_inbox(inbox, tmp_path / "landing", source)
    loaded = {}
    for workers in (0, 2):
        with duckdb.connect(str(tmp_path / f"warehouse-{workers}.duckdb")) as con:
            summary = load_source(con, source, landed, tmp_path / "landing", workers=workers, **options)
            loaded[workers] = (vars(summary), _tables(con, source))
    return loaded


@pytest.mark.parametrize("source", ["discourse", "opencollective", "timeoverflow", "decidim"])
def test_workers_write_what_one_process_writes(tmp_path, demo_inbox, source):
    extra = BAD_PAGES if source == "discourse" else {}
    loaded = _load_both(tmp_path, demo_inbox, source, extra)
    summary, tables = loaded[2]
    assert summary["files_loaded"] > 0 and any(tables[t] for t in tables if t.startswith(source))
    assert loaded[2] == loaded[0]
    if source == "discourse":  # the batch a worker could not read is read again here, file by file
        outcomes = {row[2]: (row[3], row[4], row[9]) for row in tables["file_outcomes"]}
        assert outcomes["t_9001.json"][:2] == ("refused", "file:unreadable")
        assert outcomes["t_9002.json"][:2] == ("refused", "limit:json_depth")
        assert outcomes["t_9002.json"][2].startswith("RecursionError")


def _found(cache_dir: Path) -> dict[str, tuple]:
    with duckdb.connect(str(next(cache_dir.glob("privacy-people-*.duckdb"))), read_only=True) as db:
        return {row[1]: row for row in db.execute("select * from found").fetchall()}


@pytest.mark.parametrize("workers", [0, 2])
def test_the_people_found_in_parsed_pages_are_those_read_from_the_files(tmp_path, demo_inbox, workers, monkeypatch):
    """The readers hand the privacy gate's people of each Discourse page they parse (in batches of 16, so
    a batch that fails is read again file by file); those are exactly what reading the landed file finds.
    A page that is not JSON yields none (its refusal has nothing to publish), and a JSON page of no shape
    the parser reads still yields its people."""
    monkeypatch.setattr(raw, "BATCH_FILES", 16)
    inbox = tmp_path / "inbox"
    shutil.copytree(demo_inbox / "discourse", inbox / "discourse")
    for name, data in {**BAD_PAGES, "t_9003.json": b'{"odd": [{"username": "odd_one", "name": "Odd One"}]}'}.items():
        (inbox / "discourse" / name).write_bytes(data)
    landed, _ = land_inbox(inbox, tmp_path / "landing", "discourse")
    with (
        duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con,
        people_cache.FromTheLoad(tmp_path / "from-the-load") as from_the_load,
    ):
        load_source(con, "discourse", landed, tmp_path / "landing", workers=workers, people=from_the_load.add)
    people_cache.fill(tmp_path / "landing", tmp_path / "from-the-files", "discourse")

    by_load, by_reading = _found(tmp_path / "from-the-load"), _found(tmp_path / "from-the-files")
    names = {f.sha256: f.file_name for f in landed}
    assert sorted(names[sha] for sha in by_reading.keys() - by_load.keys()) == ["t_9001.json", "t_9002.json"]
    assert by_load == {sha: by_reading[sha] for sha in by_load}
    assert len(by_load) == len(landed) - 2 > 4 * raw.BATCH_FILES
    odd = next(row for sha, row in by_load.items() if names[sha] == "t_9003.json")
    assert sorted(odd[2]) == [b"Odd One", b"odd_one"]


def test_parser_settings_and_limits_reach_the_workers(tmp_path, demo_inbox):
    currency = _load_both(tmp_path / "jpy", demo_inbox, "decidim", parsing=partial(budget_currency, "jpy"))
    projects = currency[2][1]["decidim__projects"]
    assert projects and {row[4] for row in projects} == {"JPY"}
    assert currency[2] == currency[0]

    limited = _load_both(tmp_path / "limit", demo_inbox, "decidim", limits=Limits(archive_members=1))
    outcomes = limited[2][1]["file_outcomes"]
    assert [row[3:5] for row in outcomes] == [("refused", "zip:too_many_members")]
    assert limited[2] == limited[0]


def test_zip_members_checked_by_workers_load_what_one_process_loads(tmp_path, demo_inbox):
    """A Decidim export's members are checked by the workers: with a renamed proposals CSV (read by its
    header), a CSV of no known columns and a README among them, every table holds what one process wrote,
    in the same order, and the members the load refuses are refused alike."""
    export = next((demo_inbox / "decidim").glob("*.zip"))
    with zipfile.ZipFile(export) as original:
        members = {info.filename: original.read(info) for info in original.infolist()}
    proposals = next(data for name, data in members.items() if name.endswith("-proposals.csv"))
    header, *rows = proposals.splitlines(keepends=True)
    planted = {
        "README.md": b"# open data\n",
        "odd.csv": b"a;b\n1;2\n",
        "admin/proposals-2024-03-05.csv": header + b"".join(rows[: len(rows) // 2]),
    }
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as rebuilt:
        for name, data in [*planted.items(), *members.items()]:
            rebuilt.writestr(name, data)
    loaded = _load_both(tmp_path, demo_inbox, "decidim", {export.name: (tmp_path / "export.zip").read_bytes()})
    assert loaded[2] == loaded[0]
    tables = loaded[2][1]
    # the renamed half first (as the members are ordered), then the whole export's (staging keeps one of each)
    ids = [row[0] for row in tables["decidim__proposals"]]
    assert len(ids) == len(rows) // 2 + len(rows) and ids[: len(rows) // 2] == ids[len(rows) // 2 :][: len(rows) // 2]
    rules = {(row[4], row[5]) for row in tables["quarantine"]}
    assert ("odd.csv", "file:columns_unrecognised") in rules


def test_a_zip_export_is_given_workers_by_what_its_members_hold(tmp_path, demo_inbox, monkeypatch):
    """The threshold for reader processes counts what parsing reads: a ZIP's members uncompressed."""
    export = next((demo_inbox / "decidim").glob("*.zip"))
    with zipfile.ZipFile(export) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert unpacked > 2 * export.stat().st_size
    monkeypatch.setattr(raw, "PARALLEL_BYTES", (export.stat().st_size + unpacked) // 2)
    asked, real = [], raw.Readers
    monkeypatch.setattr(raw, "Readers", lambda *args: asked.append(args[5]) or real(*args))
    landed, _ = land_inbox(demo_inbox, tmp_path / "landing", "decidim")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert load_source(con, "decidim", landed, tmp_path / "landing").files_loaded == len(landed)
    assert asked == [raw.READ_WORKERS]


def test_slices_parsed_by_workers_load_what_one_process_loads(tmp_path, demo_inbox, monkeypatch):
    """A table read in slices of a few kilobytes: its slices parsed by two workers, a bad line and a key
    repeated slices apart are quarantined as in one process, with the same line numbers."""
    monkeypatch.setattr(togetheros, "SLICE_BYTES", 4096)  # the slices are cut here, in the loading process
    posts = (demo_inbox / "togetheros" / "forum_posts.ndjson").read_bytes().splitlines(keepends=True)
    assert len(b"".join(posts)) > 10 * togetheros.SLICE_BYTES
    planted = [*posts, b"{not json\n", posts[0]]  # the first line's key again, many slices later
    loaded = _load_both(tmp_path, demo_inbox, "togetheros", {"forum_posts.ndjson": b"".join(planted)})
    assert loaded[2] == loaded[0]
    rules = {(row[4], row[5]) for row in loaded[2][1]["quarantine"] if row[3] == "forum_posts.ndjson"}
    assert {(str(len(posts) + 1), "line:not_json"), (str(len(posts) + 2), "post_id:duplicate_key")} <= rules


def test_a_dead_worker_leaves_its_slices_to_the_loading_process():
    with Readers("togetheros", [], False, Limits(), workers=2) as readers:
        results = readers.map_in_order(pow, ((n, 2) for n in range(20)))
        assert [next(results) for _ in range(3)] == [0, 1, 4]
        for process in list(readers._pool._processes.values()):
            process.kill()
        assert list(results) == [n**2 for n in range(3, 20)]


def _rows(parts) -> list:
    return [
        {entity: (c.accepted.rows(), c.quarantined.rows(), c.rows_read, c.notes) for entity, c in part.items()}
        for part in parts
    ]


def test_a_dead_worker_leaves_its_units_to_the_loading_process(tmp_path, demo_inbox):
    landed, _ = land_inbox(demo_inbox, tmp_path / "landing", "discourse")
    units = [_args(landed[i : i + 20], tmp_path / "landing") for i in range(0, len(landed), 20)]
    assert len(units) > 3
    with Readers("discourse", units, True, Limits(), workers=2) as readers:
        assert _rows(readers.parts(units[0])) == _rows(read_unit("discourse", units[0], True))
        for process in list(readers._pool._processes.values()):
            process.kill()
        for unit in units[1:]:
            assert _rows(readers.parts(unit)) == _rows(read_unit("discourse", unit, True))
