"""The gate's record of its last clean scan: the next scan examines only what is new and finds exactly
what a scan from nothing finds, a person who appeared since in a value it already examined included."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.privacy import scan, scan_record
from pipelines.privacy.scan import scan_release
from tests.privacy.test_scan import PERSON, _crafted_release

TERMS = {"annabel quist", "zephyrine_ol"}


def _release(root: Path, notes: list[str]) -> Path:
    """A release of one dataset, as CSV and Parquet, whose `note` column holds `notes`."""
    (root / "data").mkdir(parents=True)
    table = pa.table({"group_id": [f"g{n}" for n in range(len(notes))], "note": notes})
    pq.write_table(table, root / "data" / "notes.parquet")
    with (root / "data" / "notes.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([table.column_names, *zip(*table.to_pydict().values(), strict=True)])
    (root / "README.md").write_text("# Release\n\nNotes of the month.\n")
    return root


def _pattern_calls(monkeypatch) -> list[str]:
    """The texts the pattern search is run on."""
    seen: list[str] = []
    real = scan.find_personal_patterns

    def recording(text: str):
        seen.append(text)
        return real(text)

    monkeypatch.setattr(scan, "find_personal_patterns", recording)
    return seen


def _plain(release: Path, terms: set[str]) -> list[str]:
    return [str(f) for f in scan_release(release, terms)]


def test_an_unchanged_value_is_not_examined_again(tmp_path, monkeypatch):
    record = tmp_path / "warehouse"
    first = _release(tmp_path / "r1", ["welcome", "budget agreed"])
    assert scan_release(first, TERMS, record) == []
    assert scan_record.record_path(record).is_file()

    seen = _pattern_calls(monkeypatch)
    second = _release(tmp_path / "r2", ["welcome", "budget agreed", "new garden"])
    assert scan_release(second, TERMS, record) == []
    assert "new garden" in seen and "g2" in seen
    assert not {"welcome", "budget agreed", "g0", "note", "Notes of the month."} & set(seen)


def test_a_person_who_appeared_since_is_found_in_a_value_examined_before(tmp_path):
    record = tmp_path / "warehouse"
    notes = ["welcome", "thanks Lena Hartmann for the minutes"]
    assert scan_release(_release(tmp_path / "r1", notes), TERMS, record) == []

    release = _release(tmp_path / "r2", notes)
    with_her = TERMS | {"lena hartmann"}
    found = [str(f) for f in scan_release(release, with_her, record)]
    assert found == _plain(release, with_her)
    assert {(f.split(":")[0], f.split(" [")[1].split("]")[0]) for f in found} == {
        ("data/notes.csv", "note"),
        ("data/notes.parquet", "note"),
    }


def test_with_a_record_a_release_gives_the_findings_of_a_scan_from_nothing(tmp_path):
    record = tmp_path / "warehouse"
    crafted = _crafted_release(tmp_path / "crafted")
    clean = tmp_path / "clean"
    shutil.copytree(crafted, clean)
    for planted in ("data/people.csv", "data/people.parquet", "README.md", "datapackage.json", "changes.json"):
        (clean / planted).unlink()
    (clean / "quality-report.json").write_text('{"datasets": {"people": {"success": true}}}')
    assert scan_release(clean, TERMS, record) == []

    assert [str(f) for f in scan_release(crafted, TERMS, record)] == _plain(crafted, TERMS)
    assert len(_plain(crafted, TERMS)) == 6


def test_a_scan_with_findings_records_nothing(tmp_path, monkeypatch):
    record = tmp_path / "warehouse"
    assert scan_release(_release(tmp_path / "r1", ["welcome"]), TERMS, record) == []
    kept = scan_record.load(record)

    leaking = _release(tmp_path / "r2", ["welcome", f"ask {PERSON}"])
    assert len(scan_release(leaking, TERMS, record)) == 2  # its CSV and Parquet
    assert scan_record.load(record) == kept  # what it examined is not taken as clean
    assert len(scan_release(leaking, TERMS, record)) == 2


def test_another_scanner_starts_from_nothing(tmp_path, monkeypatch):
    record = tmp_path / "warehouse"
    release = _release(tmp_path / "r1", ["welcome"])
    assert scan_release(release, TERMS, record) == []
    earlier = scan_record.record_path(record)

    monkeypatch.setattr(scan_record, "_code_digest", lambda: "0" * 16)
    assert scan_record.load(record) is None
    seen = _pattern_calls(monkeypatch)
    assert scan_release(release, TERMS, record) == []
    assert "welcome" in seen
    assert not earlier.exists() and scan_record.record_path(record).is_file()


def test_an_unreadable_record_means_a_scan_from_nothing(tmp_path, monkeypatch):
    record = tmp_path / "warehouse"
    record.mkdir()
    scan_record.record_path(record).write_bytes(b"not parquet")
    assert scan_record.load(record) is None
    seen = _pattern_calls(monkeypatch)
    assert scan_release(_release(tmp_path / "r1", ["welcome"]), TERMS, record) == []
    assert "welcome" in seen


def test_a_value_no_utf8_column_holds_is_recorded_as_it_was_read(tmp_path):
    record = tmp_path / "warehouse"
    release = _release(tmp_path / "r1", ["welcome"])
    (release / "changes.json").write_text('{"note": "lone \\ud800 surrogate"}')  # valid JSON, not UTF-8 text
    assert scan_release(release, TERMS, record) == []
    assert {"lone \ud800 surrogate", "welcome"} <= scan_record.load(record).values
    assert scan_record.load(record).terms == TERMS
