"""Keyed pseudonyms (HMAC-SHA256) for person identifiers, as a DuckDB function.

Loaded into dbt as a dbt-duckdb plugin, so staging models can call `pseudonym(text)`. profiles.yml
hands it its configuration: `key` (TOGETHEROS_PSEUDONYM_KEY, read by dbt's `env_var` like any secret
of a profile) and `key_file`, the demo key under the data directory's keys/ used when `key` is empty.
A plain hash of an email can be reversed by guessing emails; a keyed one cannot without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from pipelines.settings import Paths

KEY_ENV = "TOGETHEROS_PSEUDONYM_KEY"
DEMO_KEY_FILE = "pseudonym-demo.key"


def demo_key_file(paths: Paths) -> Path:
    return paths.keys / DEMO_KEY_FILE


def load_key(key: str | None, key_file: Path) -> bytes:
    """`key`, or else the demo key in `key_file` (generated, readable by its owner only, on first use)."""
    if key:
        return key.encode()
    key_file = Path(key_file)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        print(
            f"WARNING: {KEY_ENV} is not set; generated a demo pseudonym key at {key_file}. "
            "Set the variable for real data (see docs/privacy.md).",
            file=sys.stderr,
        )
    return key_file.read_text().strip().encode()


def pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def register(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    def pseudonym_arrow(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else pseudonym(key, v) for v in values.to_pylist()], pa.string())

    conn.create_function(
        "pseudonym",
        pseudonym_arrow,
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("VARCHAR"),
        type="arrow",
        null_handling="special",
        side_effects=False,
    )


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict) -> None:
        self.key = plugin_config.get("key") or None
        self.key_file = Path(plugin_config["key_file"])

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register(conn, load_key(self.key, self.key_file))
