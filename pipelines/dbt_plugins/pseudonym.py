"""Keyed pseudonyms (HMAC-SHA256) for person identifiers, as a DuckDB function.

Loaded into dbt as a dbt-duckdb plugin, so staging models can call `pseudonym(text)`; the key
comes from TOGETHEROS_PSEUDONYM_KEY, or, for the demo, from a generated file under data/keys.
A plain hash of an email can be reversed by guessing emails; a keyed one cannot without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys

import duckdb
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from pipelines.settings import Paths

KEY_ENV = "TOGETHEROS_PSEUDONYM_KEY"


def load_key(env=None) -> bytes:
    env = os.environ if env is None else env
    if env.get(KEY_ENV):
        return env[KEY_ENV].encode()
    key_file = Paths.from_env(env).keys / "pseudonym-demo.key"
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
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register(conn, load_key())
