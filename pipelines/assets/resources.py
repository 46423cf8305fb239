"""The pipeline's settings as Dagster resources, read from the environment in one place
(`configured_resources`) and handed to the assets that need them; nothing writes the environment.

- `DataDir`: where inbox/, landing/, warehouse/ and releases/ live (TOGETHEROS_DATA_DIR, default ./data).
- `Warehouse`: DuckDB's memory limit for the raw load, dbt and the release (TOGETHEROS_DUCKDB_MEMORY_LIMIT).
- `Disclosure`: the smallest count of people a published cell may show (TOGETHEROS_MIN_COUNT).
- `Signing`: the release signing key (TOGETHEROS_SIGNING_KEY, a secret: passed as an `EnvVar`).

dbt receives the data dir, the threshold and the memory limit as `--vars` (`dbt_vars`); the API
sources' settings are read by their `fetch.Settings.from_env`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from pipelines.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, DEFAULT_MIN_COUNT, Paths, duckdb_config, min_count

SIGNING_KEY_ENV = "TOGETHEROS_SIGNING_KEY"


class DataDir(dg.ConfigurableResource):
    """Root of inbox/, landing/, warehouse/ and releases/. Empty means ./data."""

    path: str = ""

    def paths(self) -> Paths:
        return Paths.at(self.path)


class Warehouse(dg.ConfigurableResource):
    """How the pipeline's DuckDB connections are configured (dbt gets the same through `dbt_vars`)."""

    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    def config(self) -> dict[str, str]:
        """DuckDB would take 80 % of the machine's memory; with a limit it spills to disk instead."""
        return {"memory_limit": self.memory_limit}


class Disclosure(dg.ConfigurableResource):
    """The suppression threshold: dbt suppresses below it, the release records it, the checks enforce it."""

    min_count: int = DEFAULT_MIN_COUNT


class Signing(dg.ConfigurableResource):
    """The release signing key (base64 seed); empty means a development key under data/keys."""

    key: str = ""

    def environment(self) -> dict[str, str]:
        """The key as `SigningKeyConfig.from_env` reads it."""
        return {SIGNING_KEY_ENV: self.key} if self.key else {}


def dbt_vars(data_dir: Path, warehouse: Warehouse, disclosure: Disclosure) -> str:
    """`--vars` for dbt: what profiles.yml and the models read (see dbt_project.yml's `vars`)."""
    return json.dumps(
        {
            "data_dir": str(data_dir),
            "duckdb_memory_limit": warehouse.memory_limit,
            "min_count": disclosure.min_count,
        },
        sort_keys=True,
    )


def configured_resources(env: Mapping[str, str]) -> dict[str, dg.ConfigurableResource]:
    """Every setting resource, from environment variables (an empty one counts as unset)."""
    return {
        "data_dir": DataDir(path=str(Paths.from_env(env).data)),
        "warehouse": Warehouse(memory_limit=duckdb_config(env)["memory_limit"]),
        "disclosure": Disclosure(min_count=min_count(env)),
        "signing": Signing(key=dg.EnvVar(SIGNING_KEY_ENV) if env.get(SIGNING_KEY_ENV) else ""),
    }
