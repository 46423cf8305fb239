"""Every kind of damage or tampering makes verification fail with a message that names it."""

from __future__ import annotations

import base64
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.release import switch_latest, verify_release
from pipelines.release.hashing import sha256_bytes, sha256_file
from pipelines.release.verify import main
from tests.release.conftest import (
    CREATED,
    OTHER_KEY,
    TEST_KEY,
    chain_of,
    make_release,
    relink,
    resign,
    resign_as,
    resum,
    sample_tables,
)


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if offset is None else offset
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def key_file(folder: Path, key) -> Path:
    """The community's public key as the auditor keeps it, got from somewhere other than the release."""
    path = folder / f"{key.key_id}.pub"
    path.write_text(key.public_key_file_text())
    return path


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
    resum(release, "data/extra.csv")
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
    bad_line = len(sums.read_text().splitlines()) + 1
    sums.write_text(sums.read_text() + "not a checksum line\n" + "0" * 64 + "  ../outside.txt\n")
    messages = problems(release)
    assert f"SHA256SUMS line {bad_line} is not '<sha256>  <path>'" in messages
    assert "'../outside.txt' is not a path inside the release" in messages


# --- Who signed, and which release is the newest (issue 13 item 3) -------------------------------------
# Each case below verified on the code before pinned keys, trust files and tree checks (commit 983d439).


def test_latest_moved_back_to_the_previous_release_fails(tmp_path: Path):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    switch_latest(releases, first.name)  # the newest release is still there, `latest` no longer says so
    for walk_chain in (False, True):
        messages = problems(releases / "latest", walk_chain=walk_chain)
        assert f"latest points at {first.name}, but {second.name} next to it is newer" in messages


def test_latest_moved_back_after_the_newer_release_is_removed_fails_against_the_trust_file(tmp_path: Path, capsys):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    assert main([str(releases / "latest"), "--key", str(key_file(tmp_path, TEST_KEY))]) == 0  # pins, records second
    shutil.rmtree(second)
    switch_latest(releases, first.name)
    assert main([str(releases / "latest")]) == 1
    out = capsys.readouterr().out
    assert f"FAIL rollback: {first.name} (created 2025-03-01T12:00:00Z) is older than {second.name}" in out


def test_descriptor_edited_and_re_signed_with_a_new_key_fails_without_key_given(tmp_path: Path):
    first, second = chain_of(tmp_path / "releases", 2)
    resign_as(second, OTHER_KEY, lambda d: d.update({"togetheros:data_as_of": "2030-01-01T00:00:00Z"}))
    messages = problems(second)  # no --key given: its predecessor next to it was signed by another key
    assert f"{second.name} is signed by key {OTHER_KEY.key_id}, but its predecessor {first.name} by key" in messages
    assert "carries no rotation statement" in messages


def test_first_release_re_signed_with_a_new_key_fails_against_the_trust_file(tmp_path: Path, capsys):
    (release,) = chain_of(tmp_path / "releases", 1)
    assert main([str(release), "--key", str(key_file(tmp_path, TEST_KEY))]) == 0  # the auditor pins the key once
    resign_as(release, OTHER_KEY, lambda d: d.update({"togetheros:data_as_of": "2030-01-01T00:00:00Z"}))
    assert main([str(release)]) == 1  # later, with no --key: the trust file remembers
    out = capsys.readouterr().out
    assert "FAIL rewritten:" in out and "NOT VERIFIED" in out


def test_a_chain_whose_key_changes_midway_fails(tmp_path: Path):
    first, second, third = chain_of(tmp_path / "releases", 3)
    resign_as(second, OTHER_KEY)  # from the second release on, another key: no rotation statement
    relink(third, second, OTHER_KEY)
    messages = problems(third, walk_chain=True)
    assert f"{second.name} is signed by key {OTHER_KEY.key_id}, but its predecessor {first.name}" in messages
    assert "a key that changes midway is refused" in messages
    messages = problems(third, trusted_key=TEST_KEY.public_key)  # pinned to the first key, even without --chain
    assert f"{second.name} is signed by key {OTHER_KEY.key_id}" in messages


def test_an_earlier_release_data_file_changed_fails_with_chain(tmp_path: Path):
    first, second, third = chain_of(tmp_path / "releases", 3)
    flip_byte(first / "data/treasury_monthly.csv")
    assert verify_release(third).ok  # the release itself is intact
    messages = problems(third, walk_chain=True)
    assert f"chain {first.name} SHA256SUMS: data/treasury_monthly.csv: sha256 is" in messages


def test_the_previous_release_copied_under_the_latest_name_fails(tmp_path: Path):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    shutil.rmtree(second)
    shutil.copytree(first, second)
    for path in (releases / "latest", second):
        messages = problems(path)
        assert f"the folder is named {second.name} but holds release '{first.name}'" in messages


def test_a_symlinked_folder_inside_a_release_fails(release: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    shutil.move(release / "data", outside)
    (release / "data").symlink_to(outside, target_is_directory=True)  # every hash still matches
    (release / "notes").symlink_to(tmp_path, target_is_directory=True)
    messages = problems(release)
    assert f"symlink: data -> {outside}" in messages and f"symlink: notes -> {tmp_path}" in messages


def test_a_symlinked_data_file_fails(release: Path, tmp_path: Path):
    copy = tmp_path / "groups.csv"
    shutil.move(release / "data/groups.csv", copy)
    (release / "data/groups.csv").symlink_to(copy)
    assert f"symlink: data/groups.csv -> {copy}" in problems(release)


def test_a_special_file_inside_a_release_is_named(release: Path):
    os.mkfifo(release / "data/pipe.csv")
    assert "special file: data/pipe.csv is a named pipe" in problems(release)


def test_an_empty_folder_inside_a_release_fails(release: Path):
    (release / "data/more").mkdir()
    assert "empty folder: data/more/" in problems(release)


def test_a_fork_next_to_the_release_fails(tmp_path: Path):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    switch_latest(releases, first.name)  # a second history from the same predecessor, made `latest`
    tables = sample_tables()
    tables["groups"] = tables["groups"].slice(3)
    fork = make_release(releases, tables, created=CREATED + timedelta(days=5))
    messages = problems(releases / "latest")
    assert f"releases {', '.join(sorted([second.name, fork.name]))} all claim {first.name}" in messages


def test_a_fork_fails_against_the_last_accepted_release(tmp_path: Path, capsys):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)
    assert main([str(releases / "latest"), "--key", str(key_file(tmp_path, TEST_KEY))]) == 0  # accepted: second
    elsewhere = tmp_path / "mirror"  # the fork is served on its own, without the release it competes with
    shutil.copytree(releases, elsewhere, symlinks=True)
    shutil.rmtree(elsewhere / second.name)
    switch_latest(elsewhere, first.name)
    tables = sample_tables()
    tables["groups"] = tables["groups"].slice(3)
    fork = make_release(elsewhere, tables, created=CREATED + timedelta(days=5))
    assert main([str(elsewhere / "latest")]) == 1
    out = capsys.readouterr().out
    assert f"FAIL fork: {fork.name} does not descend from {second.name}, the last release accepted" in out


def test_a_rotation_statement_not_signed_by_the_old_key_fails(tmp_path: Path):
    releases = tmp_path / "releases"
    first, second = chain_of(releases, 2)

    # The attacker writes a statement "handing over" the community's key to theirs, signed by their own key.
    def b64(key):
        return base64.b64encode(key.public_key).decode()

    forged = {
        "format": "togetheros-key-rotation/1",
        "old_key": {"key_id": TEST_KEY.key_id, "public_key": b64(TEST_KEY)},
        "new_key": {"key_id": OTHER_KEY.key_id, "public_key": b64(OTHER_KEY)},
        "previous_release": {"id": first.name, "descriptor_sha256": sha256_file(first / "datapackage.json")},
        "created": "2025-03-02T12:00:00Z",
    }
    data = (json.dumps(forged, indent=2) + "\n").encode()
    (second / "key-rotation.json").write_bytes(data)
    (second / "key-rotation.json.sig").write_text(OTHER_KEY.sign(data) + "\n")
    rotation = {"file": "key-rotation.json", "sha256": sha256_bytes(data)}
    resign_as(second, OTHER_KEY, lambda d: d["togetheros:signing"].update(rotation=rotation))
    messages = problems(second)
    assert f"the rotation statement's signature does not verify with its old key {TEST_KEY.key_id}" in messages


def test_a_replaced_openssh_signature_is_caught_by_verify(release: Path):
    from pipelines.release.signing import sshsig_sign

    data = (release / "datapackage.json").read_bytes()
    (release / "datapackage.json.sshsig").write_text(sshsig_sign(OTHER_KEY.seed, data))
    messages = "\n".join(verify_release(release).messages())
    assert f"datapackage.json.sshsig is signed by key {OTHER_KEY.key_id}, not {TEST_KEY.key_id}" in messages


def test_a_missing_declared_openssh_signature_is_caught(release: Path):
    (release / "datapackage.json.sshsig").unlink()
    messages = "\n".join(verify_release(release).messages())
    assert "missing proof file: datapackage.json.sshsig" in messages


def test_a_rotation_statement_for_another_predecessor_is_refused(tmp_path: Path):
    from tests.release.test_rotation import rotated_chain

    first, second, third = rotated_chain(tmp_path)
    # Move the statement to the third release: it names the first release as the one it follows.
    for name in ("key-rotation.json", "key-rotation.json.sig"):
        (third / name).write_bytes((second / name).read_bytes())
    digest = json.loads((second / "datapackage.json").read_text())["togetheros:signing"]["rotation"]["sha256"]
    resign_as(
        third,
        OTHER_KEY,
        lambda d: d["togetheros:signing"].update(rotation={"file": "key-rotation.json", "sha256": digest}),
    )
    messages = "\n".join(verify_release(third).messages())
    assert (
        f"the statement hands the key over after release {first.name}, but this release follows {second.name}"
        in messages
    )
