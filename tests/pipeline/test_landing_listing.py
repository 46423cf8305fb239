"""Landing lists the inbox with os.scandir (one stat per file): the same files, in the same order, as the
rglob listing it replaced, and so the same landed records."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.landing import Landing, _inbox_files, land_inbox


def _rglob_listing(folder: Path) -> list[str]:
    """What landing listed before: every file under folder but dot-files, by sorted path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [p.relative_to(folder).as_posix() for p in files]


def _inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox" / "togetheros"
    for name in ("a-b.ndjson", "a/b.ndjson", "a/c/d.ndjson", "b.ndjson", ".hidden", "a/.partial", ".dot/x.ndjson"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f'{{"name": "{name}"}}\n')
    (folder / "link.ndjson").symlink_to(folder / "b.ndjson")  # a symlinked file is read, as before
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "e.ndjson").write_text("{}\n")
    os.symlink(outside, folder / "linked-folder")  # a symlinked folder is not walked, as before
    return folder


def test_scandir_listing_is_the_rglob_listing(tmp_path: Path):
    folder = _inbox(tmp_path)
    listed = [name for name, _ in _inbox_files(folder)]
    assert listed == _rglob_listing(folder)
    assert ".dot/x.ndjson" in listed and "a/.partial" not in listed and "linked-folder/e.ndjson" not in listed


def test_the_entry_stat_is_the_file_stat(tmp_path: Path):
    folder = _inbox(tmp_path)
    for name, entry in _inbox_files(folder):
        stat, direct = entry.stat(), (folder / name).stat()
        assert (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (direct.st_size, direct.st_mtime_ns, direct.st_ino)


def test_landing_the_inbox_lands_every_listed_file(tmp_path: Path):
    folder = _inbox(tmp_path)
    current, new = land_inbox(tmp_path / "inbox", tmp_path / "landing", "togetheros")
    assert sorted(Landing(tmp_path / "landing", "togetheros").index()) == sorted(_rglob_listing(folder))
    assert new == len(current) - 1  # link.ndjson has b.ndjson's bytes: landed once
