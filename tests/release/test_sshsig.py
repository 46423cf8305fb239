"""The release signature in OpenSSH's SSHSIG format, checked with the standard tool: `ssh-keygen -Y verify`.

CI installs openssh-client when ssh-keygen is missing (.ci/run); this test does not skip without it."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.release.signing import (
    SSHSIG_NAMESPACE,
    SSHSIG_PRINCIPAL,
    allowed_signers_line,
    sshsig_verify,
)
from tests.release.conftest import OTHER_KEY, TEST_KEY


def ssh_keygen_verify(release: Path, allowed_signers: Path, message: Path | None = None) -> subprocess.CompletedProcess:
    ssh_keygen = shutil.which("ssh-keygen")
    assert ssh_keygen, "ssh-keygen is needed (Debian: openssh-client; .ci/run installs it)"
    with (message or release / "datapackage.json").open("rb") as stdin:
        return subprocess.run(
            [
                ssh_keygen,
                "-Y",
                "verify",
                "-f",
                str(allowed_signers),
                "-I",
                SSHSIG_PRINCIPAL,
                "-n",
                SSHSIG_NAMESPACE,
                "-s",
                str(release / "datapackage.json.sshsig"),
            ],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_ssh_keygen_verifies_the_release_with_the_auditors_own_allowed_signers(release: Path, tmp_path: Path):
    allowed = tmp_path / "allowed_signers"  # written from the key the auditor trusts, not from the release
    allowed.write_text(allowed_signers_line(TEST_KEY.public_key) + "\n")
    result = ssh_keygen_verify(release, allowed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f'Good "{SSHSIG_NAMESPACE}" signature for {SSHSIG_PRINCIPAL}' in result.stdout + result.stderr
    assert (release / "allowed_signers").read_text() == allowed.read_text()  # the release ships the same line


def test_ssh_keygen_refuses_a_changed_descriptor_and_another_key(release: Path, tmp_path: Path):
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(allowed_signers_line(TEST_KEY.public_key) + "\n")
    changed = tmp_path / "datapackage.json"
    changed.write_bytes((release / "datapackage.json").read_bytes().replace(b'"created"', b'"Created"'))
    assert ssh_keygen_verify(release, allowed, changed).returncode != 0
    other = tmp_path / "other_signers"
    other.write_text(allowed_signers_line(OTHER_KEY.public_key) + "\n")
    assert ssh_keygen_verify(release, other).returncode != 0


def test_our_sshsig_reader_matches_ssh_keygen_sign(tmp_path: Path):
    """A signature made by `ssh-keygen -Y sign` is read by our verifier too: one format both ways."""
    ssh_keygen = shutil.which("ssh-keygen")
    assert ssh_keygen
    # ssh-keygen signs with its own fresh key; our reader must accept it and return that key.
    key_path = tmp_path / "id_ed25519"
    subprocess.run([ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key_path)], check=True, timeout=60)
    message = tmp_path / "message"
    message.write_bytes(b"a release descriptor\n")
    subprocess.run(
        [ssh_keygen, "-q", "-Y", "sign", "-f", str(key_path), "-n", SSHSIG_NAMESPACE, str(message)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    signer = sshsig_verify((tmp_path / "message.sig").read_text(), message.read_bytes())
    assert base64.b64decode(key_path.with_suffix(".pub").read_text().split()[1])[-32:] == signer
    with pytest.raises(ValueError, match="does not verify"):
        sshsig_verify((tmp_path / "message.sig").read_text(), b"another message\n")


def test_the_auditor_guide_gives_the_command_this_format_needs():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "auditor-guide.md").read_text()
    assert f"-I {SSHSIG_PRINCIPAL}" in guide and f"-n {SSHSIG_NAMESPACE} -s datapackage.json.sshsig" in guide
    assert f'{SSHSIG_PRINCIPAL} namespaces="{SSHSIG_NAMESPACE}" ssh-ed25519' in guide


def test_the_release_readme_gives_the_ssh_keygen_command(release: Path):
    readme = (release / "README.md").read_text()
    assert f"-I {SSHSIG_PRINCIPAL} -n {SSHSIG_NAMESPACE} -s datapackage.json.sshsig < datapackage.json" in readme
