"""Lineage is the `lineage` resource (lineage.csv), hashed like the data; the descriptor only points at it."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.release import verify_release
from pipelines.release.hashing import parse_sha256sums, sha256_file
from pipelines.release.lineage import read_lineage
from tests.release.conftest import make_release, resign, resum

MANY = [
    {"sha256": f"{i:064x}", "source": "togetheros", "file_name": f"forum_posts-{i}.ndjson", "bytes": 100 + i}
    for i in range(2000)
]


def problems(release: Path) -> str:
    report = verify_release(release)
    assert not report.ok
    return "\n".join(report.messages())


def test_lineage_is_a_hashed_resource_and_the_descriptor_stays_small(tmp_path: Path):
    small = make_release(tmp_path / "a", lineage=MANY[:1])
    large = make_release(tmp_path / "b", lineage=MANY)
    assert verify_release(large).ok, verify_release(large).messages()
    descriptor = json.loads((large / "datapackage.json").read_text())
    assert descriptor["togetheros:lineage"] == {"resource": "lineage", "path": "lineage.csv", "files": 2000}
    (resource,) = [r for r in descriptor["resources"] if r["name"] == "lineage"]
    assert resource["hash"] == f"sha256:{sha256_file(large / 'lineage.csv')}" and resource["rows"] == 2000
    assert parse_sha256sums((large / "SHA256SUMS").read_text())[0]["lineage.csv"] == sha256_file(large / "lineage.csv")
    assert read_lineage(large) == sorted(MANY, key=lambda e: (e["source"], e["file_name"], e["sha256"]))
    # 2,000 files more leave the descriptor as it was, bar the count
    grown = (large / "datapackage.json").stat().st_size - (small / "datapackage.json").stat().st_size
    assert grown < 200, grown


def test_hub_lineage_keeps_its_own_columns(tmp_path: Path):
    cited = [{"source": "federation/aurora", "file_name": "r1", "sha256": "cd" * 32, "key_id": "k1"}]
    release = make_release(tmp_path / "releases", lineage=cited)
    assert verify_release(release).ok
    assert read_lineage(release) == cited


def test_an_edited_lineage_file_fails(release: Path):
    path = release / "lineage.csv"
    path.write_text(path.read_text().replace("ab" * 32, "ef" * 32))
    messages = problems(release)
    assert "lineage.csv: sha256 is " in messages and "SHA256SUMS says" in messages
    assert "lineage.csv: hash sha256:" in messages  # the descriptor disagrees too


def test_an_edited_lineage_file_with_sums_rewritten_still_fails(release: Path):
    path = release / "lineage.csv"
    path.write_text(path.read_text() + "opencollective,extra.csv," + "00" * 32 + ",1\n")
    resum(release, "lineage.csv")
    messages = problems(release)
    assert "lineage.csv: the descriptor and SHA256SUMS disagree on its hash" in messages
    assert "lineage.csv: 2 rows in the file, the descriptor says 1" in messages


def test_a_lineage_pointer_that_miscounts_or_points_elsewhere_fails(release: Path):
    def miscount(descriptor):
        descriptor["togetheros:lineage"]["files"] = 7

    resign(release, miscount)
    assert "togetheros:lineage counts 7 file(s), the 'lineage' resource 1 row(s)" in problems(release)

    def old_style(descriptor):
        descriptor["togetheros:lineage"] = [{"sha256": "ab" * 32}]

    resign(release, old_style)
    assert "togetheros:lineage must point at the 'lineage' resource" in problems(release)


def test_a_missing_lineage_file_fails(release: Path):
    (release / "lineage.csv").unlink()
    messages = problems(release)
    assert "resource lineage: 'lineage.csv' is not a file in the release" in messages
