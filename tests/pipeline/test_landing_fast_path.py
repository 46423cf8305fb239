"""A source whose inbox and landing are as the last landing left them is not landed file by file again;
any change the file-by-file landing would act on makes it land file by file, with the same result."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipelines import landing
from pipelines.landing import LISTING_FILE, Landing, land_new

SOURCE = "discourse"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    inbox = tmp_path / "inbox"
    (inbox / SOURCE / "posts").mkdir(parents=True)
    for page in range(3):
        (inbox / SOURCE / f"t_{page}.json").write_text(f'{{"page": {page}}}')
    (inbox / SOURCE / "posts" / "1.json").write_text('{"id": 1}')
    return inbox, tmp_path / "landing"


@pytest.fixture
def landings(monkeypatch) -> list[str]:
    """The sources a `Landing` was opened for: each open reads the source's index."""
    opened: list[str] = []
    real = Landing.__init__

    def recording(self, landing_dir, source):
        opened.append(source)
        real(self, landing_dir, source)

    monkeypatch.setattr(Landing, "__init__", recording)
    return opened


def _from_scratch(inbox: Path, landing_dir: Path) -> landing.InboxLanded:
    """What the file-by-file landing says of the same landing, without the listing's record."""
    (landing_dir / SOURCE / LISTING_FILE).unlink()
    landed = land_new(inbox, landing_dir, SOURCE)
    return landing.InboxLanded(landed.current_files, landed.bytes, 0)


def test_an_unchanged_inbox_opens_no_landing(dirs, landings):
    inbox, landing_dir = dirs
    first = land_new(inbox, landing_dir, SOURCE)
    assert first.new == first.current_files == 4 and landings == [SOURCE]

    landings.clear()
    again = land_new(inbox, landing_dir, SOURCE)
    assert landings == [] and again == landing.InboxLanded(first.current_files, first.bytes, 0)
    assert again == _from_scratch(inbox, landing_dir)


def _rewrite_same_size_and_mtime(inbox: Path, landing_dir: Path) -> None:
    page = inbox / SOURCE / "t_1.json"
    before = page.stat()
    page.write_text('{"page": 9}')
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # cp -p: only the ctime tells


def _add_in_subfolder(inbox: Path, landing_dir: Path) -> None:
    (inbox / SOURCE / "posts" / "2.json").write_text('{"id": 2, "more": true}')


def _remove_a_file(inbox: Path, landing_dir: Path) -> None:
    (inbox / SOURCE / "t_0.json").unlink()


def _remove_a_meta_file(inbox: Path, landing_dir: Path) -> None:
    meta = landing_dir / SOURCE / "meta"
    next(meta.iterdir()).unlink()


def _land_an_api_page(inbox: Path, landing_dir: Path) -> None:
    with Landing(landing_dir, SOURCE) as pages:
        pages.land_bytes(b'{"latest": []}', "latest_page_0.json", "https://forum.example/latest.json?page=0")


def _lose_the_stat_cache(inbox: Path, landing_dir: Path) -> None:
    (landing_dir / SOURCE / "inbox_stat.json").unlink()


@pytest.mark.parametrize(
    "change",
    [
        _rewrite_same_size_and_mtime,
        _add_in_subfolder,
        _remove_a_file,
        _remove_a_meta_file,
        _land_an_api_page,
        _lose_the_stat_cache,
    ],
)
def test_any_change_lands_file_by_file(dirs, landings, change):
    inbox, landing_dir = dirs
    land_new(inbox, landing_dir, SOURCE)
    change(inbox, landing_dir)
    landings.clear()
    landed = land_new(inbox, landing_dir, SOURCE)
    assert landings[-1:] == [SOURCE]
    assert landing.InboxLanded(landed.current_files, landed.bytes, 0) == _from_scratch(inbox, landing_dir)
    current = {f.file_name: f for f in Landing(landing_dir, SOURCE).current()}
    for path in (inbox / SOURCE).rglob("*.json"):  # every inbox file is landed as it is now
        name = path.relative_to(inbox / SOURCE).as_posix()
        assert current[name].path(landing_dir).read_bytes() == path.read_bytes()
    landings.clear()
    assert land_new(inbox, landing_dir, SOURCE).new == 0 and landings == []  # and then it is unchanged again


def test_a_changed_file_is_counted_new(dirs):
    inbox, landing_dir = dirs
    land_new(inbox, landing_dir, SOURCE)
    _rewrite_same_size_and_mtime(inbox, landing_dir)
    assert land_new(inbox, landing_dir, SOURCE).new == 1


def test_a_damaged_record_of_the_listing_lands_file_by_file(dirs, landings):
    inbox, landing_dir = dirs
    first = land_new(inbox, landing_dir, SOURCE)
    (landing_dir / SOURCE / LISTING_FILE).write_text("{not json")
    landings.clear()
    assert land_new(inbox, landing_dir, SOURCE) == landing.InboxLanded(first.current_files, first.bytes, 0)
    assert landings == [SOURCE]


def test_a_missing_inbox_keeps_what_was_landed(dirs):
    inbox, landing_dir = dirs
    first = land_new(inbox, landing_dir, SOURCE)
    shutil.rmtree(inbox / SOURCE)
    assert land_new(inbox, landing_dir, SOURCE) == landing.InboxLanded(first.current_files, first.bytes, 0)
