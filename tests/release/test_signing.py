"""Signing keys: configured from the environment, else a development key made once and labelled as such."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from pipelines.release import SigningKeyConfig, verify_release
from pipelines.release.signing import DEV_KEY_PATH, parse_public_key
from tests.release.conftest import make_release


def test_configured_key_comes_from_the_environment(tmp_path: Path):
    seed = bytes(range(32))
    key = SigningKeyConfig.from_env({"TOGETHEROS_SIGNING_KEY": base64.b64encode(seed).decode()}, tmp_path)
    assert key == SigningKeyConfig(seed=seed, development=False)
    assert not (tmp_path / DEV_KEY_PATH).exists()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_bad_configured_key_is_refused_clearly(tmp_path: Path, value: str):
    with pytest.raises(ValueError, match="TOGETHEROS_SIGNING_KEY"):
        SigningKeyConfig.from_env({"TOGETHEROS_SIGNING_KEY": value}, tmp_path)


def test_development_key_is_generated_once_private_and_reused(tmp_path: Path):
    first = SigningKeyConfig.from_env({}, tmp_path)
    key_file = tmp_path / DEV_KEY_PATH
    assert first.development and key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SigningKeyConfig.from_env({}, tmp_path) == first


def test_a_release_signed_with_the_development_key_says_so(tmp_path: Path):
    key = SigningKeyConfig.from_env({}, tmp_path / "data")
    release = make_release(tmp_path / "releases", signing_key=key)
    descriptor = json.loads((release / "datapackage.json").read_text())
    assert descriptor["togetheros:signing"] == {
        "algorithm": "ed25519",
        "key_id": key.key_id,
        "development_key": True,
        "public_key": base64.b64encode(key.public_key).decode(),
        "sshsig": {
            "file": "datapackage.json.sshsig",
            "namespace": "togetheros-release",
            "allowed_signers": "allowed_signers",
        },
    }
    assert "Signed with a development key" in (release / "README.md").read_text()
    public_key_text = (release / "signing-key.pub").read_text()
    assert "DEVELOPMENT key" in public_key_text.splitlines()[0]
    assert parse_public_key(public_key_text, "signing-key.pub") == key.public_key
    report = verify_release(release)
    assert report.ok  # integrity holds, but the auditor is warned
    assert [c.message for c in report.checks if c.status == "warn" and c.name == "signing key"]


def test_a_configured_key_release_is_labelled_configured(release: Path):
    assert "configured key" in (release / "signing-key.pub").read_text().splitlines()[0]
    assert "Signed with a development key" not in (release / "README.md").read_text()
    warnings = [c.name for c in verify_release(release).checks if c.status == "warn"]
    assert warnings == ["who signed"]  # only the note that no key was pinned
