"""What a dbt build has to rebuild: the models downstream of the raw tables whose load changed since the
last successful build; everything when the dbt project's code changed.

A raw table's fingerprint is its files and their accepted rows in `raw.load_log` (a new file, a removed
one, rows moved in or out of hold all change it); the bookkeeping tables (source `pipeline`) change with
any of them. After a build that succeeded, `record` keeps the fingerprints in the warehouse folder; the
next build selects from them. A change of the project's files (models, macros, seeds, the profile, the
pseudonym plugin), of the settings passed to dbt or of the pseudonym key, or a missing record, means a
whole build. (dbt's own `state:modified+` was tried: against the saved manifest of the build before, it
selected every model of an unchanged project, so the code is compared by its bytes instead.) No Dagster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

STATE_FOLDER = "dbt_state"  # beside warehouse.duckdb: built.json, what the last good build was built from
BOOKKEEPING = "pipeline"  # the dbt source of raw.load_log, raw.quarantine, raw.file_outcomes, landing_files
# A whole build is a few large models (int_activity_events, fct_member_months, the activity windows): two
# side by side share the warehouse's memory limit and both spill (10M events, 2GB: 74.5 s on profiles.yml's
# 2 threads, 57.3 s on 1). A refresh is mostly small models, whose dbt overhead 2 threads overlap (24.8 s
# against 27.7 s on 1), so it keeps the profile's.
WHOLE_BUILD_THREADS = 1


def fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """`<dbt source>.<table>` → a digest of what the raw load put in it, from the load log."""
    rows = con.execute(
        "select source, entity, sha256(string_agg(landing_sha256 || ':' || rows_accepted, ',' "
        "order by landing_sha256, rows_accepted)) from raw.load_log where entity <> 'file' group by all"
    ).fetchall()
    found = {f"{source}.{source}__{entity}": digest for source, entity, digest in rows}
    everything = hashlib.sha256(json.dumps(sorted(found.items())).encode())
    for table in ("load_log", "quarantine", "file_outcomes", "landing_files"):
        count = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
        everything.update(f"{table}:{count}".encode())
    found[f"{BOOKKEEPING}.*"] = everything.hexdigest()
    return found


def settings_digest(dbt_vars: str, key_env: str, key_file: Path, project: Iterable[Path] = ()) -> str:
    """What every model depends on besides its inputs: the --vars, the pseudonym key (hashed; the key
    itself is never written) and the bytes of the files under `project` (the dbt project's code). Not where
    the data dir is: only the profile reads it, and a copied data dir holds the same models."""
    settings = {name: value for name, value in json.loads(dbt_vars).items() if name != "data_dir"}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode() + b"\0" + key_env.encode() + b"\0")
    if key_file.is_file():
        digest.update(key_file.read_bytes())
    for root in project:
        for path in sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()):
            digest.update(f"\0{path.relative_to(root.parent)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def selection(state_dir: Path, current: dict[str, str], settings: str) -> tuple[list[str] | None, str]:
    """What changed, as dbt's `--select` of the sources it reaches ([] for a whole build, None when nothing
    did), and why, for the log. The build excludes what that leaves out (`not_rebuilt`) rather than passing
    the selection: dagster-dbt adds a --select of every model, and dbt builds the union of the two."""
    built_path = state_dir / "built.json"
    if not built_path.is_file():
        return [], "a whole build: no earlier build recorded"
    built = json.loads(built_path.read_text())
    if built.get("settings") != settings:
        return [], "a whole build: the dbt project's code, the settings or the pseudonym key changed"
    before = built.get("inputs", {})
    changed = sorted(name for name in current.keys() | before.keys() if current.get(name) != before.get(name))
    if not changed:
        return None, "nothing: no raw table received or lost rows"
    selectors = [f"source:{name}+" for name in changed]
    return ["--select", " ".join(selectors)], f"what changed: {' '.join(selectors)}"


def thread_args(selected: list[str] | None) -> list[str]:
    """dbt's --threads for a build with `selected` (what `selection` returned): one for a whole build."""
    return ["--threads", str(WHOLE_BUILD_THREADS)] if selected == [] else []


def record(state_dir: Path, current: dict[str, str], settings: str) -> None:
    """After a build that succeeded: what it was built from."""
    state_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"inputs": current, "settings": settings}, indent=1, sort_keys=True)
    (state_dir / "built.json.tmp").write_text(text)
    (state_dir / "built.json.tmp").replace(state_dir / "built.json")


def not_rebuilt(manifest: dict, selected: list[str] | None) -> list[str]:
    """The unique ids of the models and seeds a build with `selected` (what `selection` returned) leaves as
    they are, parents first. None of them depends on a rebuilt one (a child of a rebuilt node is rebuilt),
    so they can be reported before the build starts, in the order Dagster wants a multi-asset's outputs."""
    if selected == []:
        return []
    changed = [selector.removeprefix("source:").removesuffix("+") for selector in (selected or ["", ""])[1].split()]
    reached: set[str] = set()
    starts = [
        unique_id
        for unique_id, source in manifest["sources"].items()
        if {f"{source['source_name']}.{source['name']}", f"{source['source_name']}.*"} & set(changed)
    ]
    while starts:
        node = starts.pop()
        if node not in reached:
            reached.add(node)
            starts.extend(manifest["child_map"].get(node, []))
    kept = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and unique_id not in reached
    }
    return parents_first(manifest, kept)


def parents_first(manifest: dict, unique_ids: Iterable[str]) -> list[str]:
    """`unique_ids` ordered so that each comes after those of its parents among them."""
    ids = set(unique_ids)
    return list(
        TopologicalSorter({node: set(manifest["parent_map"].get(node, [])) & ids for node in ids}).static_order()
    )
