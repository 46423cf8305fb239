"""axe-core, the accessibility engine, run inside a page the browser tests open.

The script comes from the npm registry (`npm pack axe-core@AXE_VERSION`, the tarball npm checks against
the registry's integrity hash) and is kept under tests/artifacts/ so later runs need no registry.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
CACHE = Path(__file__).resolve().parents[1] / "artifacts" / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
# what must never be on a page; "minor" findings are reported, not failed
BLOCKING = ("moderate", "serious", "critical")


def axe_script() -> str:
    if not CACHE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("the accessibility check needs npm to fetch axe-core (apt-get install npm)")
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(
                [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder, "--silent"],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            with tarfile.open(Path(folder) / f"axe-core-{AXE_VERSION}.tgz") as tarball:
                source = tarball.extractfile("package/axe.min.js")
                assert source is not None, "the axe-core tarball has no axe.min.js"
                CACHE.parent.mkdir(parents=True, exist_ok=True)
                CACHE.write_bytes(source.read())
    return CACHE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.1 A and AA rules and best practices)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_script())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}))"
    )


def blocking(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["impact"] in BLOCKING]
