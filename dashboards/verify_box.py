"""The "How to verify" box of Data & audit (issue 14): steps an auditor follows with standard tools
only (curl, sha256sum, ssh-keygen), from the release files' stable addresses (`dashboards.files`), then
`togetheros verify --key` for those who have the project: the step that checks who signed."""

from __future__ import annotations

import os

from dashboards.files import FILES_URL_ENV
from dashboards.releases import Release

# what pipelines/release/signing.py signs with (SSHSIG_NAMESPACE, SSHSIG_PRINCIPAL); the release's own
# descriptor and allowed_signers file say it too, and are preferred when present
DEFAULT_NAMESPACE = "togetheros-release"
DEFAULT_PRINCIPAL = "togetheros-release-signer"


def files_url() -> str | None:
    """Where `togetheros serve` serves the release files (None when the dashboard runs without it)."""
    return (os.environ.get(FILES_URL_ENV) or "").rstrip("/") or None


def signer(release: Release) -> tuple[str, str]:
    """(identity, namespace) of the release's OpenSSH signature."""
    sshsig = (release.descriptor.get("togetheros:signing") or {}).get("sshsig") or {}
    namespace = sshsig.get("namespace") or DEFAULT_NAMESPACE
    principal = DEFAULT_PRINCIPAL
    try:
        line = release.file(sshsig.get("allowed_signers") or "allowed_signers").read_text().split()
        principal = line[0] if line else principal
    except (OSError, ValueError):
        pass
    return principal, namespace


def _link(base_url: str | None, url: str) -> str:
    """A link when the file server runs, else the address as code (it has a placeholder host)."""
    return f"[`{url}`]({url})" if base_url else f"`{url}`"


def steps(release: Release, base_url: str | None) -> tuple[str, str]:
    """(markdown introduction, shell commands) for the box."""
    identity, namespace = signer(release)
    key_id = (release.descriptor.get("togetheros:signing") or {}).get("key_id", "unknown")
    base = base_url or "http://<this dashboard's host>:<dashboard port + 1>"
    guide = f"{base}/docs/auditor-guide.md"
    intro = "\n".join(
        [
            "You need nothing from this project: `curl`, `unzip`, `sha256sum` and OpenSSH's `ssh-keygen`. "
            "Full guide: "
            + (f"[auditor guide]({guide})" if base_url else "the auditor guide")
            + " (`docs/auditor-guide.md`).",
            "",
            f"- Latest release, stable addresses: {_link(base_url, f'{base}/releases/latest/datapackage.json')}, "
            f"{_link(base_url, f'{base}/releases/latest.zip')}",
            f"- This release, forever: `{base}/releases/{release.id}/…`, "
            f"{_link(base_url, f'{base}/releases/{release.id}.zip')}",
            "- Get the community's public key **from a place you trust** (its website, governance records), "
            f"not from the release: the release says it was signed by key `{key_id}`. Write it as an "
            f'`allowed_signers` line, `{identity} namespaces="{namespace}" ssh-ed25519 AAAA…`, and compare it '
            "with the release's `allowed_signers` (using the release's own file checks integrity only).",
        ]
    )
    commands = "\n".join(
        [
            f"curl -fO {base}/releases/{release.id}.zip",
            f"unzip {release.id}.zip && cd {release.id}",
            "# every line must say OK: the files match their hashes",
            "sha256sum -c SHA256SUMS",
            "# Good signature: datapackage.json (every file's hash) is signed by that key",
            "ssh-keygen -Y verify -f ~/community.allowed_signers \\",
            f"    -I {identity} -n {namespace} \\",
            "    -s datapackage.json.sshsig < datapackage.json",
            "# with the project installed: schemas, figures, the chain, and who signed (--key)",
            "togetheros verify . --key community-signing-key.pub --chain",
        ]
    )
    return intro, commands
