"""Releases that were never published: kept out of `releases/`, and named as such.

A release is written (unpromoted) before its blocking checks run. One that fails a check (a privacy
finding) is moved to the private `<data_dir>/quarantine/releases/` folder, which nothing serves, with an
`UNPUBLISHED.json` note inside saying why; `togetheros verify` reads that note and reports the release
as unpublished, never as verified. `clean_releases` runs before every run, under the run lock: it removes
the temporary folders and links an interrupted run left (`.tmp-release-*`, `.latest-*`) and quarantines
the releases a killed run wrote but never promoted (newer than `latest`, not in its chain).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines.release import layout

NOTE = "UNPUBLISHED.json"
TEMPORARY_PREFIXES = (".tmp-release-", ".latest-")


@dataclass
class Cleaned:
    temporary: list[str] = field(default_factory=list)  # removed
    unpromoted: list[str] = field(default_factory=list)  # moved to quarantine


def unpublished_reason(release_dir: Path) -> str | None:
    """Why this release was never published, when it carries the quarantine note; else None."""
    note = Path(release_dir) / NOTE
    if not note.is_file():
        return None
    try:
        return str(json.loads(note.read_text()).get("reason") or "quarantined")
    except (OSError, ValueError):
        return "quarantined (its note cannot be read)"


def quarantine_release(release_dir: Path, quarantine_dir: Path, reason: str, details: list[str] = ()) -> Path:
    """Move an unpromoted release out of `releases/` into `quarantine_dir`, with a note saying why."""
    release_dir = Path(release_dir)
    latest = layout.latest_release(release_dir.parent)
    if latest is not None and latest == release_dir.resolve():
        raise ValueError(f"{release_dir.name} is `latest`: a published release is never quarantined")
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    quarantine_dir.chmod(0o700)  # it may hold what must not be published
    target = quarantine_dir / release_dir.name
    if target.exists():
        shutil.rmtree(target)
    os.rename(release_dir, target)  # same file system (both under the data dir): one step
    note = {
        "reason": reason,
        "details": list(details),
        "quarantined_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published": False,
    }
    (target / NOTE).write_text(json.dumps(note, indent=1) + "\n")
    return target


def _chain(latest: Path) -> set[str]:
    """Names of `latest` and every release its descriptors link back to."""
    names, current = set(), latest
    while current.is_dir() and current.name not in names:
        names.add(current.name)
        try:
            previous = json.loads((current / layout.DESCRIPTOR).read_text()).get("togetheros:previous")
        except (OSError, ValueError):
            break
        if not previous or not previous.get("id"):
            break
        current = current.parent / str(previous["id"])
    return names


def clean_releases(releases_dir: Path, quarantine_dir: Path) -> Cleaned:
    """Remove what interrupted runs left in `releases_dir`; quarantine releases that were never promoted.

    Call only while holding the run lock: another run's temporary folder is not stale."""
    cleaned = Cleaned()
    if not releases_dir.is_dir():
        return cleaned
    latest = layout.latest_release(releases_dir)
    chain = _chain(latest) if latest is not None else set()
    for entry in sorted(releases_dir.iterdir()):
        if entry.name.startswith(TEMPORARY_PREFIXES):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            cleaned.temporary.append(entry.name)
        elif entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
            # written after `latest` by a run that stopped before promoting it (older ones are left alone)
            if entry.name not in chain and (latest is None or entry.name > latest.name):
                quarantine_release(
                    entry,
                    quarantine_dir,
                    "never promoted: the run that wrote it stopped before its blocking checks passed",
                )
                cleaned.unpromoted.append(entry.name)
    return cleaned
