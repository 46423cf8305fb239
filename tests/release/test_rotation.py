"""A community changes its signing key only through a rotation statement signed by the old key."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.release import SigningKeyConfig, verify_release
from pipelines.release.signing import prepare_rotation, rotate_key_main
from pipelines.release.verify import Accepted, main
from tests.release.conftest import CREATED, OTHER_KEY, TEST_KEY, make_release, sample_tables


def keys_with_rotations(folder: Path) -> tuple[SigningKeyConfig, SigningKeyConfig]:
    old = SigningKeyConfig(seed=TEST_KEY.seed, development=False, rotations_dir=folder)
    new = SigningKeyConfig(seed=OTHER_KEY.seed, development=False, rotations_dir=folder)
    return old, new


def rotated_chain(tmp_path: Path) -> tuple[Path, Path, Path]:
    """First release by the old key, second by the new key with a statement, third by the new key."""
    releases = tmp_path / "releases"
    old, new = keys_with_rotations(tmp_path / "rotations")
    tables = sample_tables()
    first = make_release(releases, dict(tables), signing_key=old)
    prepare_rotation(old, new, releases)
    tables["groups"] = tables["groups"].slice(1)
    second = make_release(releases, dict(tables), signing_key=new, created=CREATED + timedelta(days=1))
    tables["groups"] = tables["groups"].slice(1)
    third = make_release(releases, dict(tables), signing_key=new, created=CREATED + timedelta(days=2))
    return first, second, third


def test_a_rotated_chain_verifies_from_the_old_or_the_new_key(tmp_path: Path):
    first, second, third = rotated_chain(tmp_path)
    statement = json.loads((second / "key-rotation.json").read_text())
    assert statement["old_key"]["key_id"] == TEST_KEY.key_id and statement["new_key"]["key_id"] == OTHER_KEY.key_id
    assert statement["previous_release"]["id"] == first.name
    assert not (third / "key-rotation.json").exists()  # only the release where the key changes carries it
    for kwargs in ({"walk_chain": True}, {"trusted_key": TEST_KEY.public_key}, {"trusted_key": OTHER_KEY.public_key}):
        report = verify_release(third, **kwargs)
        assert report.ok, (kwargs, report.messages())
        assert report.signer_key == OTHER_KEY.public_key
    report = verify_release(third, trusted_key=TEST_KEY.public_key)
    assert "a key the pinned key" in [c.message for c in report.checks if c.name == "signer"][0]


def test_the_last_accepted_release_follows_the_rotation(tmp_path: Path):
    first, second, third = rotated_chain(tmp_path)
    accepted = verify_release(first, trusted_key=TEST_KEY.public_key).accepted()
    assert accepted is not None and accepted.public_key == TEST_KEY.public_key
    report = verify_release(third, last_accepted=accepted)
    assert report.ok, report.messages()
    assert report.accepted().public_key == OTHER_KEY.public_key and report.accepted().release_id == third.name


def test_the_trust_file_follows_the_rotation(tmp_path: Path, trust_file: Path, capsys):
    first, second, third = rotated_chain(tmp_path)
    key = tmp_path / "community.pub"
    key.write_text(TEST_KEY.public_key_file_text())
    assert main([str(first), "--key", str(key), "--community", "riverside"]) == 0
    assert main([str(third), "--community", "riverside"]) == 0
    entry = json.loads(trust_file.read_text())["communities"]["riverside"]
    assert entry["key_id"] == OTHER_KEY.key_id and entry["last_release"]["id"] == third.name
    assert "1 key rotation(s)" in capsys.readouterr().out


def test_a_statement_from_an_unpinned_key_does_not_hand_over_the_pinned_key(tmp_path: Path):
    first, second, third = rotated_chain(tmp_path)
    third_key = SigningKeyConfig(seed=bytes(range(2, 34)), development=False)
    report = verify_release(third, trusted_key=third_key.public_key)
    assert not report.ok
    assert f"signed by the pinned key {third_key.key_id}" in "\n".join(report.messages())


def test_the_writer_refuses_a_new_key_without_a_statement(tmp_path: Path):
    releases = tmp_path / "releases"
    make_release(releases)
    with pytest.raises(ValueError, match="may change keys only with a rotation statement signed by the old key"):
        make_release(releases, signing_key=OTHER_KEY, created=CREATED + timedelta(days=1))


def test_the_writer_refuses_a_statement_made_for_an_earlier_release(tmp_path: Path):
    releases = tmp_path / "releases"
    old, new = keys_with_rotations(tmp_path / "rotations")
    tables = sample_tables()
    make_release(releases, dict(tables), signing_key=old)
    prepare_rotation(old, new, releases)
    tables["groups"] = tables["groups"].slice(1)
    make_release(releases, dict(tables), signing_key=old, created=CREATED + timedelta(days=1))
    with pytest.raises(ValueError, match="follows release .* not the latest release"):
        make_release(releases, signing_key=new, created=CREATED + timedelta(days=2))


def test_rotate_key_command_prepares_the_statement_the_next_release_carries(tmp_path: Path, monkeypatch, capsys):
    data = tmp_path / "data"
    old_seed = tmp_path / "old.key"
    old_seed.write_text(base64.b64encode(TEST_KEY.seed).decode() + "\n")
    make_release(data / "releases")
    monkeypatch.setenv("TOGETHEROS_SIGNING_KEY", base64.b64encode(OTHER_KEY.seed).decode())
    assert rotate_key_main(["--old-key", str(old_seed), "--data-dir", str(data)]) == 0
    assert f"key {TEST_KEY.key_id} hands over to {OTHER_KEY.key_id}" in capsys.readouterr().out
    new = SigningKeyConfig.from_env({"TOGETHEROS_SIGNING_KEY": base64.b64encode(OTHER_KEY.seed).decode()}, data)
    second = make_release(data / "releases", signing_key=new, created=CREATED + timedelta(days=1))
    report = verify_release(second, trusted_key=TEST_KEY.public_key, walk_chain=True)
    assert report.ok, report.messages()


def test_rotate_key_refuses_when_the_latest_release_is_not_the_old_keys(tmp_path: Path, monkeypatch, capsys):
    data = tmp_path / "data"
    wrong_seed = tmp_path / "wrong.key"
    wrong_seed.write_text(base64.b64encode(bytes(range(2, 34))).decode() + "\n")
    make_release(data / "releases")
    monkeypatch.setenv("TOGETHEROS_SIGNING_KEY", base64.b64encode(OTHER_KEY.seed).decode())
    assert rotate_key_main(["--old-key", str(wrong_seed), "--data-dir", str(data)]) == 2
    assert f"is signed by key {TEST_KEY.key_id}, not by" in capsys.readouterr().err


def test_accepted_record_is_none_without_a_pin(tmp_path: Path):
    release = make_release(tmp_path / "releases")
    assert verify_release(release).accepted() is None
    assert isinstance(verify_release(release, trusted_key=TEST_KEY.public_key).accepted(), Accepted)
