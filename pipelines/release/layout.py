"""File names of a release folder, shared by the writer, the verifier and their tests."""

from __future__ import annotations

import re
from pathlib import Path

DESCRIPTOR = "datapackage.json"
SIGNATURE = "datapackage.json.sig"
PUBLIC_KEY = "signing-key.pub"
SSH_SIGNATURE = "datapackage.json.sshsig"  # the same signature in OpenSSH's format (ssh-keygen -Y verify)
ALLOWED_SIGNERS = "allowed_signers"  # the release key as an ssh-keygen allowed_signers line
ROTATION = "key-rotation.json"  # only in a release whose key differs from its predecessor's
ROTATION_SIGNATURE = "key-rotation.json.sig"
SHA256SUMS = "SHA256SUMS"
QUALITY_REPORT = "quality-report.json"
README = "README.md"
CHANGES = "changes.json"
LINEAGE = "lineage.csv"  # the inputs the release was built from (pipelines/release/lineage.py)
DATA_DIR = "data"
LATEST = "latest"
# a release written but not yet promoted: hidden beside the published ones (verify and readers skip
# dot-folders), so `latest` keeps verifying while the candidate's checks run
CANDIDATE_PREFIX = ".candidate-"

# Files that prove the others (SHA256SUMS and the signature cover everything else).
PROOF_FILES = frozenset({DESCRIPTOR, SIGNATURE, PUBLIC_KEY, SHA256SUMS})
# Proof files the descriptor's togetheros:signing block asks for (older releases have none of them).
OPTIONAL_PROOF_FILES = frozenset({SSH_SIGNATURE, ALLOWED_SIGNERS, ROTATION, ROTATION_SIGNATURE})
# Files besides data/ that SHA256SUMS covers.
DOCUMENT_FILES = (QUALITY_REPORT, CHANGES, README, LINEAGE)

DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def release_files(release_dir: Path) -> set[str]:
    """Every regular file in a release, as a POSIX path relative to it."""
    return {p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*") if not p.is_dir()}


def latest_release(releases_dir: Path) -> Path | None:
    """The release `latest` points at, or None before the first release."""
    link = releases_dir / LATEST
    if not link.exists():
        return None
    return link.resolve()
