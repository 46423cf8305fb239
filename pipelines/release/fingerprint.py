"""The content fingerprint of a dataset, which the quality report records (pipelines/release/quality.py)
and anyone can recompute from a release's Parquet file read through DuckDB: duckdb and pyarrow only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import duckdb
import pyarrow as pa


def sha256_json(document: object) -> str:
    """The SHA-256 of a document's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def content_fingerprints(tables: Mapping[str, pa.Table]) -> dict[str, str]:
    """Per dataset, the SHA-256 of its schema (names, Arrow types), row count and rows, independent of
    row order: each row is rendered as DuckDB JSON (strings quoted and escaped, so NULL is not 'null';
    doubles in their shortest round-trip form) and hashed with SHA-256; the sorted row hashes (duplicates
    kept) are hashed again. The schema part tells an INTEGER 5 from a VARCHAR '5'."""
    con = duckdb.connect()
    try:
        fingerprints = {}
        for name in sorted(tables):
            table = tables[name]
            con.register("fingerprinted", table)
            ((rows, digest),) = con.sql(
                "select count(*), coalesce(sha256(string_agg(h, '' order by h)), '') "
                "from (select sha256(to_json(t)::varchar) as h from fingerprinted t)"
            ).fetchall()
            con.unregister("fingerprinted")
            schema = [[field.name, str(field.type)] for field in table.schema]
            fingerprints[name] = sha256_json({"schema": schema, "rows": rows, "rows_sha256": digest})
        return fingerprints
    finally:
        con.close()
