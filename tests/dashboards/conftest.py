"""Fixtures: a real release on disk (Parquet, CSV, descriptor, sums, signature) that the dashboard reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.dashboards.release_fixture import FixtureRelease, write_release

RELEASES_DIR_ENV = "TOGETHEROS_RELEASES_DIR"


@pytest.fixture
def release_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FixtureRelease]:
    """Write a fixture release (optionally without some datasets) and point the dashboard at it."""

    def make(**options) -> FixtureRelease:
        releases_dir = tmp_path / "releases"
        releases_dir.mkdir(exist_ok=True)
        monkeypatch.setenv(RELEASES_DIR_ENV, str(releases_dir))
        return write_release(releases_dir, **options)

    return make


@pytest.fixture
def fixture_release(release_factory) -> FixtureRelease:
    return release_factory()
