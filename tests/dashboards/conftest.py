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


@pytest.fixture(scope="session")
def shared_release(tmp_path_factory: pytest.TempPathFactory) -> FixtureRelease:
    """One fixture release for every test that only reads it (tests that change files use release_factory)."""
    return write_release(tmp_path_factory.mktemp("releases"))


@pytest.fixture
def fixture_release(shared_release: FixtureRelease, monkeypatch: pytest.MonkeyPatch) -> FixtureRelease:
    monkeypatch.setenv(RELEASES_DIR_ENV, str(shared_release.releases_dir))
    return shared_release
