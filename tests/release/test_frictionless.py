"""Pins how frictionless-py 5.x reads our descriptor, and that its CLI accepts every release.

frictionless 5.21 checks `hash: "sha256:<hex>"` and `bytes` only for resources it reads as a byte stream
(CSV tables, `type: "file"`); a Parquet *table* is read by pyarrow, so `bytes` would be reported as
"actual None" and the hash silently skipped. Hence Parquet resources are `type: "file"` and carry their row
count as `togetheros:rows`; see pipelines/release/descriptor.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from frictionless import Package

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


def run_cli(release: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FRICTIONLESS), "validate", "datapackage.json"],
        cwd=release,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_frictionless_cli_validates_a_release(release: Path):
    result = run_cli(release)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "INVALID" not in result.stdout


def error_types(release: Path) -> dict[str, set[str]]:
    report = Package(str(release / "datapackage.json")).validate()
    return {task.name: {error.type for error in task.errors} for task in report.tasks}


def test_frictionless_checks_the_sha256_hash_of_csv_and_file_resources(release: Path):
    for path in ("data/groups.csv", "data/groups.parquet"):
        data = bytearray((release / path).read_bytes())
        data[-3] ^= 0x01  # same size, different content
        (release / path).write_bytes(bytes(data))
    errors = error_types(release)
    assert "hash-count" in errors["groups-csv"]
    assert "hash-count" in errors["groups"]
    assert run_cli(release).returncode != 0


def test_parquet_as_a_table_resource_would_fail_the_byte_count(release: Path):
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["resources"][0]["type"] = "table"
    path.write_text(json.dumps(descriptor))
    assert "byte-count" in error_types(release)[descriptor["resources"][0]["name"]]


def test_rows_on_a_file_resource_would_be_a_row_count_error(release: Path):
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["resources"][0]["rows"] = descriptor["resources"][0]["togetheros:rows"]
    path.write_text(json.dumps(descriptor))
    assert "row-count" in error_types(release)[descriptor["resources"][0]["name"]]


def test_frictionless_keeps_the_sha256_hash_form_when_it_reads_the_descriptor(release: Path):
    resource = Package(str(release / "datapackage.json")).resources[0]
    assert resource.hash is not None and resource.hash.startswith("sha256:")
    assert (
        resource.to_descriptor()["hash"]
        == json.loads((release / "datapackage.json").read_text())["resources"][0]["hash"]
    )
