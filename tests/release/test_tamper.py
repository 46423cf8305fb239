"""Every kind of damage or tampering makes verification fail with a message that names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.release import verify_release
from pipelines.release.hashing import format_sha256sums, parse_sha256sums, sha256_file
from tests.release.conftest import OTHER_KEY, TEST_KEY, make_release, resign


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if offset is None else offset
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def problems(release: Path, **kwargs) -> str:
    report = verify_release(release, **kwargs)
    assert not report.ok
    return "\n".join(report.messages())


@pytest.mark.parametrize(
    "path",
    ["data/treasury_monthly.parquet", "data/groups.csv", "README.md", "changes.json", "quality-report.json"],
)
def test_flipping_one_byte_of_a_covered_file_fails(release: Path, path: str):
    flip_byte(release / path)
    messages = problems(release)
    assert f"{path}: sha256 is " in messages and "SHA256SUMS says" in messages
    if path.startswith("data/"):
        assert f"{path}: hash sha256:" in messages  # the descriptor disagrees too


def test_flipping_one_byte_of_the_descriptor_breaks_the_signature(release: Path):
    flip_byte(release / "datapackage.json", offset=10)
    assert "datapackage.json.sig does not verify datapackage.json" in problems(release)


def test_editing_the_descriptor_breaks_the_signature(release: Path):
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["togetheros:data_as_of"] = "2030-01-01"
    path.write_text(json.dumps(descriptor, indent=2) + "\n")
    assert "does not verify datapackage.json" in problems(release)


def test_removing_a_file_fails(release: Path):
    (release / "data/groups.csv").unlink()
    messages = problems(release)
    assert "data/groups.csv is listed in SHA256SUMS but is not in the release" in messages
    assert "resource groups-csv: 'data/groups.csv' is not a file in the release" in messages


def test_removing_the_signature_fails(release: Path):
    (release / "datapackage.json.sig").unlink()
    assert "cannot read the signature or the published key" in problems(release)


def test_adding_an_unlisted_file_fails(release: Path):
    (release / "data/extra.csv").write_text("a\n1\n")
    (release / "notes.txt").write_text("hello")
    messages = problems(release)
    assert "unlisted file: data/extra.csv is in the release but not in SHA256SUMS" in messages
    assert "unlisted file: notes.txt" in messages


def test_a_file_added_to_sums_but_not_to_the_descriptor_fails(release: Path):
    (release / "data/extra.csv").write_text("a\n1\n")
    sums_path = release / "SHA256SUMS"
    sums, _ = parse_sha256sums(sums_path.read_text())
    sums["data/extra.csv"] = sha256_file(release / "data/extra.csv")
    sums_path.write_text(format_sha256sums(sums))
    messages = problems(release)
    assert "data/extra.csv is listed in SHA256SUMS but is not a resource of datapackage.json" in messages
    assert "does not end with the SHA-256 of SHA256SUMS" in messages


def test_a_wrong_row_count_fails_even_when_signed(release: Path):
    def bump(descriptor):
        for resource in descriptor["resources"]:
            if resource["name"] == "treasury_monthly":
                resource["togetheros:rows"] += 1
            if resource["name"] == "treasury_monthly-csv":
                resource["rows"] += 1

    resign(release, bump)
    messages = problems(release)
    assert "data/treasury_monthly.parquet: 3 rows in the file, the descriptor says 4" in messages
    assert "data/treasury_monthly.csv: 3 rows in the file, the descriptor says 4" in messages
    assert "row-count" in messages  # frictionless agrees on the CSV


def test_a_wrong_field_type_fails(release: Path):
    def retype(descriptor):
        descriptor["resources"][0]["schema"]["fields"][0]["type"] = "integer"

    resign(release, retype)
    assert "the file has columns" in problems(release)


def test_release_signed_with_another_key_fails_against_the_trusted_key(tmp_path: Path):
    release = make_release(tmp_path / "releases", signing_key=OTHER_KEY)
    assert verify_release(release).ok  # consistent on its own ...
    messages = problems(release, trusted_key=TEST_KEY.public_key)  # ... but not by the community's key
    assert (
        f"is signed by key {OTHER_KEY.key_id}; no release of its chain read here is signed by the pinned key"
        in messages
    )
    assert TEST_KEY.key_id in messages


def test_swapping_in_another_key_and_signature_fails_against_the_trusted_key(release: Path):
    data = (release / "datapackage.json").read_bytes()
    (release / "datapackage.json.sig").write_text(OTHER_KEY.sign(data) + "\n")
    (release / "signing-key.pub").write_text(OTHER_KEY.public_key_file_text())
    messages = problems(release, trusted_key=TEST_KEY.public_key)
    assert "the descriptor names key" in messages  # togetheros:signing.key_id still names the real key
    assert f"signed by the pinned key {TEST_KEY.key_id}" in messages


def test_the_trusted_key_passes_for_a_genuine_release(release: Path):
    report = verify_release(release, trusted_key=TEST_KEY.public_key)
    assert report.ok, report.messages()
    assert report.pinned and report.signer_key == TEST_KEY.public_key
    assert any(c.name == "signer" and c.status == "pass" and "the pinned key" in c.message for c in report.checks)


def test_a_malformed_sums_line_and_a_path_outside_the_release_fail(release: Path):
    sums = release / "SHA256SUMS"
    sums.write_text(sums.read_text() + "not a checksum line\n" + "0" * 64 + "  ../outside.txt\n")
    messages = problems(release)
    assert "SHA256SUMS line 14 is not '<sha256>  <path>'" in messages
    assert "'../outside.txt' is not a path inside the release" in messages
