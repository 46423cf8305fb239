"""Every landed file has an outcome, and one bad file never stops the load: each bad file (every case of
tests/corpus, and generated ones: deep nesting, oversized fields and lines, wrong encodings, truncated
archives, unknown files) is placed beside the demo community's good files of its source and loaded
with the real raw load into a real DuckDB. The bad file gets its outcome (refused with a rule and a
message, or loaded with its bad records quarantined); every good file loads exactly as it does alone."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import raw
from pipelines.landing import land_inbox
from pipelines.raw import files_without_outcome, load_source
from pipelines.sources import parser
from pipelines.sources.limits import Limits, longest_line
from pipelines.sources.quarantine import refuse
from tests.sources.checks import CORPUS

SOURCES = ("discourse", "decidim", "opencollective", "ledger", "timeoverflow", "togetheros", "community")
DEEP = 100_000  # 10^6 is the bench's case; this is already far past what any JSON reader allows


@pytest.fixture(scope="module")
def demo_inbox(tmp_path_factory) -> Path:
    from demo.generate import generate

    inbox = tmp_path_factory.mktemp("demo") / "inbox"
    generate(inbox, seed=11, members=100, start=date(2025, 11, 1), end=date(2026, 4, 30))
    return inbox


def _load(tmp_path: Path, demo_inbox: Path, source: str, extra: dict[str, bytes], limits: Limits | None = None):
    inbox = tmp_path / "inbox"
    shutil.copytree(demo_inbox / source, inbox / source)
    for name, data in extra.items():
        (inbox / source / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / source / name).write_bytes(data)
    landed, _ = land_inbox(inbox, tmp_path / "landing", source)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    summary = load_source(con, source, landed, tmp_path / "landing", limits)
    return con, landed, summary


def _per_file(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    rows = con.execute(
        "select file_name, entity, rows_read, rows_accepted, rows_quarantined from raw.load_log where source = ?",
        [source],
    ).fetchall()
    # a batch of pages logs every entity for every page, zero rows included; a page loaded alone does not
    return {(f, e): (r, a, q) for f, e, r, a, q in rows if (r, a, q) != (0, 0, 0)}


@pytest.fixture(scope="module")
def baseline(demo_inbox, tmp_path_factory) -> dict[str, dict]:
    """What each source's good files load alone."""
    result = {}
    for source in SOURCES:
        con, landed, _ = _load(tmp_path_factory.mktemp(f"base-{source}"), demo_inbox, source, {})
        result[source] = _per_file(con, source)
        assert files_without_outcome(con, source, landed) == []
        assert sum(a for _, a, _ in result[source].values()) > 0, source
        con.close()
    return result


def _outcomes(con, source: str) -> dict[str, tuple]:
    rows = con.execute(
        "select file_name, outcome, rule, message from raw.file_outcomes where source = ?", [source]
    ).fetchall()
    return {name: (outcome, rule, message) for name, outcome, rule, message in rows}


def assert_beside_good_data(con, landed, source: str, baseline: dict, bad: set[str]) -> dict[str, tuple]:
    """The good files load as they do alone; every file, bad ones included, has an outcome; a refused
    file has a rule and a message naming what to do."""
    assert files_without_outcome(con, source, landed) == []
    per_file = _per_file(con, source)
    assert {k: v for k, v in per_file.items() if k[0] not in bad} == baseline[source]
    outcomes = _outcomes(con, source)
    for name in bad:
        outcome, rule, message = outcomes[name]
        assert outcome in ("loaded", "empty", "refused"), name
        if outcome == "refused":
            assert rule and len(message) > 20, (name, rule, message)
            quarantined = con.execute(
                "select rule from raw.quarantine where source = ? and file_name = ?", [source, name]
            ).fetchall()
            assert quarantined, f"{name}: a refused file shows in raw.quarantine (quarantine_reasons counts it)"
    return outcomes


CORPUS_CASES = [
    (source, path.relative_to(CORPUS / source).as_posix())
    for source in SOURCES
    if (CORPUS / source).exists()
    for path in sorted((CORPUS / source).rglob("*"))
    if path.is_file()
]


@pytest.mark.parametrize(("source", "name"), CORPUS_CASES, ids=[f"{s}:{n}" for s, n in CORPUS_CASES])
def test_every_corpus_case_beside_good_data(tmp_path, demo_inbox, baseline, source, name):
    # a corpus file is named <case>__<the name the source gives it>; it is placed under that name
    placed = Path(name).parent / Path(name).name.split("__")[-1]
    extra = {f"corpus/{placed.as_posix()}": (CORPUS / source / name).read_bytes()}
    con, landed, _ = _load(tmp_path, demo_inbox, source, extra)
    assert_beside_good_data(con, landed, source, baseline, set(extra))


def _deep_topic_page() -> bytes:
    return b'{"post_stream": {"posts": [' + b"[" * DEEP + b"]" * DEEP + b'], "id": 9001}}'


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _demo_zip_member(demo_inbox: Path, suffix: str) -> tuple[str, bytes]:
    (path,) = (demo_inbox / "decidim").glob("*.zip")
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(suffix))
        return name, archive.read(name)


def test_deeply_nested_discourse_page_is_refused_and_the_forum_loads(tmp_path, demo_inbox, baseline):
    """raw_discourse failed on this page (RecursionError); it is one refused file now."""
    con, landed, summary = _load(tmp_path, demo_inbox, "discourse", {"t_9001.json": _deep_topic_page()})
    outcomes = assert_beside_good_data(con, landed, "discourse", baseline, {"t_9001.json"})
    outcome, rule, message = outcomes["t_9001.json"]
    # the raw load's rule when the reader lets the error through; the Discourse reader now names it itself
    assert outcome == "refused" and rule in ("limit:json_depth", "file:unreadable")
    assert "nested" in message
    assert summary.files_refused == 1


def test_deeply_nested_ndjson_record_is_quarantined_and_the_rest_of_the_table_loads(tmp_path, demo_inbox, baseline):
    line = b'{"proposal_id": "deep", "body": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    good = (demo_inbox / "togetheros" / "proposals.ndjson").read_bytes().splitlines()[0]
    name = "extra/proposals.ndjson"
    con, landed, _ = _load(tmp_path, demo_inbox, "togetheros", {name: good + b"\n" + line})
    outcomes = assert_beside_good_data(con, landed, "togetheros", baseline, {name})
    assert outcomes[name][0] == "loaded"
    rules = con.execute("select record, rule from raw.quarantine where file_name = ?", [name]).fetchall()
    assert ("2", "line:json_depth") in rules


def test_a_line_past_the_limit_refuses_its_file_before_it_is_read(tmp_path, demo_inbox, baseline):
    """The 500 MB NDJSON line that drove the run to 7.9 GB, scaled down with the limit."""
    limits = Limits(line_bytes=1024 * 1024)
    name = "long/proposals.ndjson"
    data = b'{"proposal_id": "p"}\n{"proposal_id": "' + b"x" * (2 * 1024 * 1024) + b'"}\n'
    con, landed, _ = _load(tmp_path, demo_inbox, "togetheros", {name: data}, limits)
    outcome, rule, message = assert_beside_good_data(con, landed, "togetheros", baseline, {name})[name]
    assert (outcome, rule) == ("refused", "limit:line_bytes")
    assert message.startswith("line 2 has more than 1 MiB") and "TOGETHEROS_LIMIT_LINE_BYTES" in message


def test_longest_line_finds_the_first_line_past_the_limit(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a\n" + b"b" * 10 + b"\n" + b"c" * 25 + b"\nd")
    assert longest_line(path, 30, chunk_size=4) is None
    line, size = longest_line(path, 20, chunk_size=4)
    assert line == 3 and size > 20
    assert longest_line(path, 9, chunk_size=4)[0] == 2
    path.write_bytes(b"e" * 100)  # no newline at all
    assert longest_line(path, 50, chunk_size=8)[0] == 1


def test_a_file_past_the_size_limit_is_refused_with_the_size_and_the_setting(tmp_path, demo_inbox, baseline):
    limits = Limits(file_bytes=64 * 1024)
    text = sorted((demo_inbox / "opencollective").glob("*.csv"))[0].read_bytes()
    header, body = text.split(b"\n", 1)
    name = "togetheros-huge-transactions.csv"
    data = header + b"\n" + body * (1 + 200_000 // max(len(body), 1))
    assert all(p.stat().st_size < limits.file_bytes for p in (demo_inbox / "opencollective").iterdir())
    con, landed, _ = _load(tmp_path, demo_inbox, "opencollective", {name: data}, limits)
    outcome, rule, message = assert_beside_good_data(con, landed, "opencollective", baseline, {name})[name]
    assert (outcome, rule) == ("refused", "limit:file_bytes")
    assert "TOGETHEROS_LIMIT_FILE_BYTES" in message and "KiB" in message


def test_decidim_zip_with_an_oversized_field_loads_its_other_rows(tmp_path, demo_inbox, baseline):
    """raw_decidim failed on this archive; its oversized record is quarantined now, the other
    proposals of the archive load, and the community's own archive loads as alone."""
    member, data = _demo_zip_member(demo_inbox, "-proposals.csv")
    header, first, rest = data.split(b"\n", 2)
    separator = b";" if header.count(b";") > header.count(b",") else b","
    fields = first.split(separator)
    fields[1] = b"x" * (20 * 1024 * 1024)  # past the CSV reader's field limit
    name = "other-open-data.zip"
    archive = _zip({member: b"\n".join([header, separator.join(fields), rest])})
    con, landed, _ = _load(tmp_path, demo_inbox, "decidim", {name: archive})
    outcome, _, _ = assert_beside_good_data(con, landed, "decidim", baseline, {name})[name]
    assert outcome in ("loaded", "refused")


def test_truncated_decidim_zip_is_refused(tmp_path, demo_inbox, baseline):
    (good,) = (demo_inbox / "decidim").glob("*.zip")
    data = good.read_bytes()
    name = "cut-open-data.zip"
    con, landed, _ = _load(tmp_path, demo_inbox, "decidim", {name: data[: len(data) // 2]})
    outcome, rule, _ = assert_beside_good_data(con, landed, "decidim", baseline, {name})[name]
    assert outcome == "refused" and rule


@pytest.mark.parametrize(
    ("source", "name", "data"),
    [
        ("opencollective", "utf16-transactions.csv", "datetime,shortId,amount\n2024-01-01,a,1\n".encode("utf-16")),
        ("opencollective", "budget.xlsx", _zip({"xl/workbook.xml": b"<workbook/>"})),
        ("ledger", "junk.journal", bytes(range(256)) * 64),
        ("ledger", "deep.journal", b"2024-01-01 x\n    assets  " + b"(" * DEEP + b"\n"),
        ("timeoverflow", "transfers_utf16.csv", "id,amount\n1,2\n".encode("utf-16")),
        ("togetheros", "wrong/groups.ndjson", '{"group_id": "g"}\n'.encode("utf-16")),
        ("togetheros", "notes.txt", b"hello"),
        ("discourse", "t_9002.json", b'{"post_stream": {"posts": [{"id": 1, "created_at": "2024'),
        ("discourse", "t_9003.json", '{"id": 9003}'.encode("utf-16")),
        ("decidim", "empty-open-data.zip", b""),
        ("community", "space_groups_utf16.csv", "space,group\n1,2\n".encode("utf-16")),
    ],
)
def test_generated_bad_file_beside_good_data(tmp_path, demo_inbox, baseline, source, name, data):
    con, landed, _ = _load(tmp_path, demo_inbox, source, {name: data})
    assert_beside_good_data(con, landed, source, baseline, {name})


def test_a_file_no_reader_recognises_is_refused_not_silent(tmp_path, demo_inbox, baseline):
    """The Discourse reader once returned nothing for a name it did not know: no load-log row, no
    quarantine, no message. It is refused now (the reader tells JSON by content, so a text file is not
    JSON), with a rule and where to read what is expected."""
    name = "notes/readme.md"
    con, landed, _ = _load(tmp_path, demo_inbox, "discourse", {name: b"# saved by hand\n"})
    outcome, rule, message = assert_beside_good_data(con, landed, "discourse", baseline, {name})[name]
    assert (outcome, rule) == ("refused", "file:unreadable")
    assert "docs/inputs.md" in message


def test_unexpected_exception_and_refuse_call_refuse_one_file_each(tmp_path, demo_inbox, baseline, monkeypatch):
    module = parser("opencollective")
    real = module.parse

    def parse(path, file_name, sha):
        if file_name == "crash-transactions.csv":
            raise KeyError("somebody@example.org")  # a parser bug quoting the file's content
        if file_name == "legacy-transactions.csv":
            refuse("format:legacy", "a legacy export: download it again as the new CSV")
        return real(path, file_name, sha)

    monkeypatch.setattr(module, "parse", parse)
    extra = {"crash-transactions.csv": b"a\n1\n", "legacy-transactions.csv": b"b\n2\n"}
    con, landed, summary = _load(tmp_path, demo_inbox, "opencollective", extra)
    outcomes = assert_beside_good_data(con, landed, "opencollective", baseline, set(extra))
    crash_outcome, crash_rule, crash_message = outcomes["crash-transactions.csv"]
    assert (crash_outcome, crash_rule) == ("refused", "file:unexpected_error")
    assert "KeyError" in crash_message and "somebody" not in crash_message  # the message is published
    detail = con.execute("select detail from raw.file_outcomes where file_name = 'crash-transactions.csv'").fetchall()
    assert "somebody@example.org" in detail[0][0]  # the operator still sees the whole error
    assert outcomes["legacy-transactions.csv"] == (
        "refused",
        "format:legacy",
        "a legacy export: download it again as the new CSV",
    )
    assert summary.files_refused == 2


def test_a_batch_with_one_failing_page_loads_the_other_pages(tmp_path, demo_inbox, baseline, monkeypatch):
    """Discourse pages are read in batches; a page whose reading raises fails the batch, which is then
    loaded page by page: only that page is refused."""
    module = parser("discourse")
    real = module._read

    def read(path, file_name, sha, seen):
        if file_name == "t_9004.json":
            raise RuntimeError("boom")
        return real(path, file_name, sha, seen)

    monkeypatch.setattr(module, "_read", read)
    con, landed, _ = _load(tmp_path, demo_inbox, "discourse", {"t_9004.json": b"{}"})
    outcome, rule, _ = assert_beside_good_data(con, landed, "discourse", baseline, {"t_9004.json"})["t_9004.json"]
    assert (outcome, rule) == ("refused", "file:unexpected_error")


def test_a_refused_file_is_read_again_next_run_and_a_removed_one_is_forgotten(tmp_path, demo_inbox, baseline):
    limits = Limits(line_bytes=1024)
    name = "long/proposals.ndjson"
    data = b'{"proposal_id": "' + b"x" * 2000 + b'"}\n'
    con, landed, _ = _load(tmp_path, demo_inbox, "togetheros", {name: data}, limits)
    assert _outcomes(con, "togetheros")[name][:2] == ("refused", "limit:line_bytes")
    load_source(con, "togetheros", landed, tmp_path / "landing", Limits())  # the limit raised
    assert _outcomes(con, "togetheros")[name][0] == "loaded"
    assert files_without_outcome(con, "togetheros", landed) == []
    kept = [f for f in landed if f.file_name != name]
    load_source(con, "togetheros", kept, tmp_path / "landing", Limits())
    assert name not in _outcomes(con, "togetheros")
    assert con.execute("select count(*) from raw.quarantine where file_name = ?", [name]).fetchall() == [(0,)]


def test_files_without_outcome_names_a_landed_file_nothing_was_recorded_for(tmp_path, demo_inbox, baseline):
    """What the blocking check `every_file_has_outcome` reads: a file the load never accounted for."""
    con, landed, _ = _load(tmp_path, demo_inbox, "ledger", {})
    assert files_without_outcome(con, "ledger", landed) == []
    victim = landed[0]
    con.execute("delete from raw.file_outcomes where landing_sha256 = ?", [victim.sha256])
    assert files_without_outcome(con, "ledger", landed) == [victim.file_name]


def test_the_limits_are_read_from_the_environment():
    limits = Limits.from_env({"TOGETHEROS_LIMIT_LINE_BYTES": "1_000", "TOGETHEROS_LIMIT_FILES": "0"})
    assert limits.line_bytes == 1000 and limits.files == Limits().files
    assert raw.Limits is Limits


def test_a_reader_that_returns_nothing_for_a_file_gives_it_a_refusal(tmp_path, demo_inbox, baseline, monkeypatch):
    """A reader that recognises nothing in a file returns {}: no load-log row, no quarantine record.
    Before outcomes that was silence (a legacy Decidim download produced nothing, with no message)."""
    module = parser("opencollective")
    real = module.parse
    monkeypatch.setattr(module, "parse", lambda p, n, s: {} if n == "legacy-transactions.csv" else real(p, n, s))
    name = "legacy-transactions.csv"
    con, landed, _ = _load(tmp_path, demo_inbox, "opencollective", {name: b"a,b\n1,2\n"})
    outcome, rule, message = assert_beside_good_data(con, landed, "opencollective", baseline, {name})[name]
    assert (outcome, rule) == ("refused", "file:not_recognised")
    assert "docs/inputs.md" in message
