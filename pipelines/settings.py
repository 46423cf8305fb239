"""Where things live. Everything is under one data directory (git-ignored) so a test can point
the whole pipeline at a temporary folder with one environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_MIN_COUNT = 5  # dbt_project.yml reads the same variable with the same default


def min_count(env=None) -> int:
    """Smallest number of distinct people a published cell may count."""
    env = os.environ if env is None else env
    return int(env.get("TOGETHEROS_MIN_COUNT") or DEFAULT_MIN_COUNT)


def duckdb_config(env=None) -> dict[str, str]:
    """Settings for the pipeline's DuckDB connections (dbt reads the same variable in profiles.yml): DuckDB
    would take 80 % of the machine's memory; with a limit it spills to disk instead."""
    env = os.environ if env is None else env
    return {"memory_limit": env.get("TOGETHEROS_DUCKDB_MEMORY_LIMIT", "2GB")}


ENGINES = ("duckdb", "spark")


def engine(env=None) -> str:
    """The engine dbt builds the models on: DuckDB (default) or Apache Spark (docs/scaling.md)."""
    env = os.environ if env is None else env
    name = env.get("TOGETHEROS_ENGINE") or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"TOGETHEROS_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    return name


SOURCES = ("discourse", "decidim", "opencollective", "ledger", "timeoverflow", "togetheros", "community")


@dataclass(frozen=True)
class Paths:
    data: Path

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> Paths:
        env = os.environ if env is None else env
        return cls(Path(env.get("TOGETHEROS_DATA_DIR") or REPO_ROOT / "data").resolve())

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
