"""What changed since the previous release: per dataset, rows added, removed and changed by primary key."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.release.tables import column_types, count_rows, quote_identifier, quote_literal


def dataset_changes(
    con: duckdb.DuckDBPyConnection, new_parquet: Path, old_parquet: Path | None, primary_key: list[str]
) -> dict:
    """Compare one dataset with its previous release; rows are matched on the primary key."""
    new = f"read_parquet({quote_literal(str(new_parquet))})"
    rows_after = count_rows(con, new)
    if old_parquet is None or not old_parquet.exists():
        return {
            "status": "new",
            "rows_before": 0,
            "rows_after": rows_after,
            "added": rows_after,
            "removed": 0,
            "changed": 0,
        }
    old = f"read_parquet({quote_literal(str(old_parquet))})"
    new_columns = [name for name, _ in column_types(con, f"SELECT * FROM {new}")]
    old_columns = [name for name, _ in column_types(con, f"SELECT * FROM {old}")]
    summary = {
        "status": "compared",
        "rows_before": count_rows(con, old),
        "rows_after": rows_after,
        "columns_added": [c for c in new_columns if c not in old_columns],
        "columns_removed": [c for c in old_columns if c not in new_columns],
    }
    if not primary_key or any(key not in old_columns for key in primary_key):
        return {**summary, "status": "not comparable: the primary key is not in the previous release"}
    same_key = " AND ".join(f"n.{quote_identifier(k)} = o.{quote_identifier(k)}" for k in primary_key)
    # Compare as text so a column whose type changed between releases still compares instead of failing.
    differs = (
        " OR ".join(
            f"n.{quote_identifier(c)}::VARCHAR IS DISTINCT FROM o.{quote_identifier(c)}::VARCHAR"
            for c in new_columns
            if c in old_columns and c not in primary_key
        )
        or "false"
    )
    added, removed, changed = con.execute(f"""
        SELECT (SELECT count(*) FROM {new} n ANTI JOIN {old} o ON {same_key}),
               (SELECT count(*) FROM {old} o ANTI JOIN {new} n ON {same_key}),
               (SELECT count(*) FROM {new} n JOIN {old} o ON {same_key} WHERE {differs})
    """).fetchall()[0]
    return {**summary, "added": added, "removed": removed, "changed": changed}


def release_changes(
    con: duckdb.DuckDBPyConnection,
    new_release: Path,
    previous_release: Path | None,
    previous_id: str | None,
    primary_keys: dict[str, list[str]],
) -> dict:
    """The changes.json document for a release being written at new_release."""
    datasets = {}
    for name in sorted(primary_keys):
        old = previous_release / "data" / f"{name}.parquet" if previous_release else None
        datasets[name] = dataset_changes(con, new_release / "data" / f"{name}.parquet", old, primary_keys[name])
    if previous_release is not None:
        for old_file in sorted((previous_release / "data").glob("*.parquet")):
            if old_file.stem not in primary_keys:
                datasets[old_file.stem] = {
                    "status": "removed",
                    "rows_before": count_rows(con, f"read_parquet({quote_literal(str(old_file))})"),
                    "rows_after": 0,
                }
    return {"previous": previous_id, "datasets": datasets}
