"""Where things live. Everything is under one data directory (git-ignored) so a test can point
the whole pipeline at a temporary folder with one setting (`DataDir`, `togetheros pipeline --data-dir`)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# the suppression threshold's default; dbt_project.yml's `min_count` var has the same one for dbt run by hand
DEFAULT_MIN_COUNT = 5
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"
# data older than this is stale: the dashboard warns and the alerts announce it (one setting for both)
STALE_AFTER_ENV = "TOGETHEROS_STALE_AFTER_DAYS"
DEFAULT_STALE_AFTER_DAYS = 35


def min_count(env: Mapping[str, str]) -> int:
    """Smallest number of distinct people a published cell may count (TOGETHEROS_MIN_COUNT)."""
    text = env.get("TOGETHEROS_MIN_COUNT") or str(DEFAULT_MIN_COUNT)
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"TOGETHEROS_MIN_COUNT={text!r}: the suppression threshold is a whole number of people, 1 or more"
        )
    return value


def duckdb_config(env: Mapping[str, str]) -> dict[str, str]:
    """DuckDB settings for a connection (TOGETHEROS_DUCKDB_MEMORY_LIMIT): DuckDB would take 80 % of the
    machine's memory; with a limit it spills to disk instead. The assets get it from `Warehouse`."""
    return {"memory_limit": env.get("TOGETHEROS_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT}


def git_commit() -> str:
    """The code's commit, recorded in every release ("unknown" outside a git checkout)."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


SOURCES = ("discourse", "decidim", "opencollective", "ledger", "timeoverflow", "togetheros", "community")


@dataclass(frozen=True)
class Paths:
    data: Path

    @classmethod
    def at(cls, path: str | Path | None = None) -> Paths:
        """The data directory at `path`; empty or None means ./data of the repository."""
        return cls(Path(path or REPO_ROOT / "data").resolve())

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Paths:
        """The data directory TOGETHEROS_DATA_DIR names, else ./data (the command line passes its
        environment; the pipeline reads it once, into `DataDir`)."""
        return cls.at(env.get("TOGETHEROS_DATA_DIR"))

    @property
    def inbox(self) -> Path:
        return self.data / "inbox"

    @property
    def landing(self) -> Path:
        return self.data / "landing"

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse" / "warehouse.duckdb"

    @property
    def releases(self) -> Path:
        return self.data / "releases"

    @property
    def quarantine(self) -> Path:
        """Private: releases that failed a blocking check or were never promoted (nothing serves it)."""
        return self.data / "quarantine" / "releases"

    @property
    def keys(self) -> Path:
        return self.data / "keys"

    @property
    def privacy_terms(self) -> Path:
        """Extra terms the privacy gate searches every release for, one per line (the demo writes its
        canaries here); optional."""
        return self.data / "privacy" / "extra-terms.txt"
