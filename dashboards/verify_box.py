"""The "How to verify" box of Data & audit (issue 14): steps an auditor follows with standard tools
only (curl, sha256sum, ssh-keygen), from the release files' stable addresses (`dashboards.files`), then
`togetheros verify --key` for those who have the project: the step that checks who signed."""

from __future__ import annotations

import os

from dashboards.files import FILES_URL_ENV
from dashboards.i18n import _
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
    base = base_url or _("http://<this dashboard's host>:<dashboard port + 1>")
    guide = f"{base}/docs/auditor-guide.md"
    intro = "\n".join(
        [
            _(
                "You need nothing from this project: `curl`, `unzip`, `sha256sum` and OpenSSH's `ssh-keygen`. "
                "Full guide: {guide} (`docs/auditor-guide.md`)."
            ).format(guide=f"[{_('auditor guide')}]({guide})" if base_url else _("the auditor guide")),
            "",
            "- "
            + _("Latest release, stable addresses: {descriptor}, {zip}").format(
                descriptor=_link(base_url, f"{base}/releases/latest/datapackage.json"),
                zip=_link(base_url, f"{base}/releases/latest.zip"),
            ),
            "- "
            + _("This release, forever: {folder}, {zip}").format(
                folder=f"`{base}/releases/{release.id}/…`", zip=_link(base_url, f"{base}/releases/{release.id}.zip")
            ),
            "- "
            + _(
                "Get the community's public key **from a place you trust** (its website, governance records), "
                "not from the release: the release says it was signed by key {key}. Write it as an "
                "`allowed_signers` line, {line}, and compare it "
                "with the release's `allowed_signers` (using the release's own file checks integrity only)."
            ).format(key=f"`{key_id}`", line=f'`{identity} namespaces="{namespace}" ssh-ed25519 AAAA…`'),
        ]
    )
    commands = "\n".join(
        [
            f"curl -fO {base}/releases/{release.id}.zip",
            f"unzip {release.id}.zip && cd {release.id}",
            "# " + _("every line must say OK: the files match their hashes"),
            "sha256sum -c SHA256SUMS",
            "# " + _("Good signature: datapackage.json (every file's hash) is signed by that key"),
            "ssh-keygen -Y verify -f ~/community.allowed_signers \\",
            f"    -I {identity} -n {namespace} \\",
            "    -s datapackage.json.sshsig < datapackage.json",
            "# " + _("with the project installed: schemas, figures, the chain, and who signed (--key)"),
            "togetheros verify . --key community-signing-key.pub --chain",
        ]
    )
    return intro, commands
