"""A real Dagster run with bad files placed beside the demo community's good ones: the run succeeds, the
release is published and verifies, every bad file is listed with its outcome in `file_outcomes`, and
every other dataset is byte-identical to the release of a clean run on the good files alone."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.release import verify_release
from tests.conftest import DEMO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # two whole pipeline runs (a clean one and this one)
DEEP = 1_000_000
AUDIT = {"load_audit", "quarantine_reasons", "file_outcomes"}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bad_files(inbox: Path) -> dict[str, bytes]:
    """inbox path -> bytes: files that must add nothing to any dataset but their own audit rows."""
    (demo_zip,) = (inbox / "decidim").glob("*.zip")
    zipped = demo_zip.read_bytes()
    with zipfile.ZipFile(demo_zip) as archive:
        member = next(n for n in archive.namelist() if n.endswith("-proposals.csv"))
        header = archive.read(member).split(b"\n", 1)[0]
    separator = b";" if header.count(b";") > header.count(b",") else b","
    oversized_row = separator.join([b"999999", b"x" * (20 * 1024 * 1024)] + [b""] * (header.count(separator) - 1))
    oc_header = sorted((inbox / "opencollective").glob("*.csv"))[0].read_bytes().split(b"\n", 1)[0]
    oc_row = oc_header.split(b",")
    description = oc_row.index(b"description")
    oc_fields = [b""] * len(oc_row)
    oc_fields[description] = b"y" * (2 * 1024 * 1024)
    return {
        "discourse/t_90001.json": b'{"post_stream": {"posts": [' + b"[" * DEEP + b"]" * DEEP + b"]}}",
        "discourse/notes/readme.md": b"# saved by hand\n",
        "decidim/cut-open-data.zip": zipped[: len(zipped) // 2],
        "decidim/oversized-open-data.zip": _zip({member: header + b"\n" + oversized_row + b"\n"}),
        "opencollective/budget.xlsx": _zip({"xl/workbook.xml": b"<workbook/>"}),
        "opencollective/oversized-transactions.csv": oc_header + b"\n" + b",".join(oc_fields) + b"\n",
        "togetheros/long/proposals.ndjson": b'{"proposal_id": "' + b"z" * (3 * 1024 * 1024) + b'"}\n',
        "ledger/junk.journal": bytes(range(256)) * 64,
        "timeoverflow/transfers_utf16.csv": "id,amount\n1,2\n".encode("utf-16"),
    }


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, pipeline_run):
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("bad-files")
    generate(data_dir / "inbox", **DEMO)
    bad = bad_files(data_dir / "inbox")
    for name, data in bad.items():
        (data_dir / "inbox" / name).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / "inbox" / name).write_bytes(data)
    previous = {k: os.environ.get(k) for k in ("TOGETHEROS_DATA_DIR", "TOGETHEROS_LIMIT_LINE_BYTES")}
    os.environ["TOGETHEROS_LIMIT_LINE_BYTES"] = str(1024 * 1024)
    try:
        result = run_pipeline(data_dir)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return data_dir, result, bad


def test_bad_files_beside_good_data_the_release_is_published_with_every_refusal(bad_run, pipeline_run):
    data_dir, result, bad = bad_run
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, failed
    release = (data_dir / "releases" / "latest").resolve()
    report = verify_release(release)
    assert report.ok, report.messages()

    outcomes = duckdb.sql(
        "select source, file_name, outcome, rule, message from read_parquet(?)",
        params=[str(release / "data" / "file_outcomes.parquet")],
    ).fetchall()
    by_file = {f"{source}/{name}": (outcome, rule, message) for source, name, outcome, rule, message in outcomes}
    for name in bad:
        outcome, rule, message = by_file[name]
        assert outcome in ("refused", "loaded", "empty"), name
        if outcome == "refused":
            assert rule and message, name
    refused = {name for name in bad if by_file[name][0] == "refused"}
    assert {
        "discourse/t_90001.json",
        "discourse/notes/readme.md",
        "decidim/cut-open-data.zip",
        "opencollective/budget.xlsx",
        "togetheros/long/proposals.ndjson",
    } <= refused
    assert by_file["togetheros/long/proposals.ndjson"][1] == "limit:line_bytes"
    # the raw load's rule, or the Discourse reader's own when it names the nesting itself
    assert by_file["discourse/t_90001.json"][1] in ("limit:json_depth", "file:unreadable")
    # every good file has its outcome too, and none of them was refused
    landed = sum(1 for p in (data_dir / "inbox").rglob("*") if p.is_file())
    assert len(outcomes) == landed
    reasons = duckdb.sql(
        "select rule from read_parquet(?) where entity = 'file'",
        params=[str(release / "data" / "quarantine_reasons.parquet")],
    ).fetchall()
    assert "limit:line_bytes" in {r for (r,) in reasons}

    # the good data is published exactly as a clean run publishes it
    clean = pipeline_run.release
    compared = 0
    for path in sorted((clean / "data").glob("*.parquet")):
        if path.stem in AUDIT:
            continue
        ours = release / "data" / path.name
        assert hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest(), path.stem
        compared += 1
    assert compared > 20
