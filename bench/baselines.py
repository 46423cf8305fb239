"""Baselines measured in the same run as the pipeline.

- The lower bound: dbt's own compiled SQL, run in dependency order as plain `create table` statements in
  one DuckDB connection over a copy of the raw warehouse. No orchestration, no dbt, no Dagster.
- The parsing reference: DuckDB reading the inbox files directly (TogetherOS NDJSON and Discourse topic
  pages) to compute monthly active members per group, against which the land + load stages compare.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from pipelines.settings import DBT_PROJECT_DIR


def compile_dbt(data_dir: Path, target_dir: Path) -> Path:
    """`dbt compile` into a target folder of our own (the shared dbt_project/target stays untouched)."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "TOGETHEROS_DATA_DIR": str(data_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run(
        # --full-refresh: incremental models compile to their whole build, as the lower bound runs them
        [
            str(dbt),
            "compile",
            "--quiet",
            "--full-refresh",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_dir),
            "--log-path",
            str(target_dir / "logs"),
        ],
        check=True,
        env=env,
        cwd=DBT_PROJECT_DIR,
    )
    return target_dir / "manifest.json"


def _dependency_order(nodes: dict[str, dict]) -> list[dict]:
    graph = {uid: sorted(d for d in node["depends_on"].get("nodes", []) if d in nodes) for uid, node in nodes.items()}
    sorter = TopologicalSorter(graph)
    return [nodes[uid] for uid in sorter.static_order()]


def _create_statement(node: dict) -> str | None:
    relation = node["relation_name"]
    if node["resource_type"] == "seed":
        csv = DBT_PROJECT_DIR / node["original_file_path"]
        return f"create or replace table {relation} as select * from read_csv('{csv}', header = true)"
    kind = node["config"]["materialized"]
    if kind == "ephemeral":
        return None  # inlined as a CTE into its dependents by dbt compile
    if kind == "view":
        return f"create or replace view {relation} as {node['compiled_code']}"
    return f"create or replace table {relation} as {node['compiled_code']}"


def lower_bound(manifest_path: Path, raw_warehouse: Path, work_dir: Path) -> dict:
    """Time the models (and, separately, the data tests) as one plain SQL script; returns seconds."""
    from pipelines.dbt_plugins.pseudonym import load_key, register

    manifest = json.loads(manifest_path.read_text())
    buildable = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    catalog = next(iter(buildable.values()))["database"]  # the compiled SQL names it: "warehouse"."raw"...
    target = work_dir / "lower_bound" / f"{catalog}.duckdb"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    shutil.copy(raw_warehouse, target)

    with duckdb.connect(str(target)) as con:
        con.execute("set enable_progress_bar = false")
        register(con, load_key())
        statements = [s for n in _dependency_order(buildable) if (s := _create_statement(n))]
        schemas = sorted({f'"{n["schema"]}"' for n in buildable.values()})
        started = time.perf_counter()
        for schema in schemas:
            con.execute(f"create schema if not exists {schema}")
        for statement in statements:
            con.execute(statement)
        models_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for test in tests:
            con.execute(f"select count(*) from ({test['compiled_code']}) as failures").fetchall()
        tests_seconds = time.perf_counter() - started
    shutil.rmtree(target.parent, ignore_errors=True)
    return {
        "models": len(statements),
        "tests": len(tests),
        "models_seconds": models_seconds,
        "tests_seconds": tests_seconds,
        "seconds": models_seconds + tests_seconds,
    }


# Monthly distinct active people per group, straight from the inbox files: TogetherOS forum posts and votes,
# and Discourse posts mapped to groups through space_groups.csv. Explicit columns skip schema inference.
DIRECT_READ_SQL = """
with topics as (
    select topic_id, group_id from read_json('{tos}/**topics.ndjson', {ndjson})
),
proposals as (
    select proposal_id, scope_id as group_id
    from read_json('{tos}/**proposals.ndjson', {ndjson}) where scope_type = 'group'
),
togetheros_activity as (
    select p.author_id::varchar as person, p.created_at::timestamp as ts, t.group_id::varchar as group_id
    from read_json('{tos}/**forum_posts.ndjson', {ndjson}) as p join topics as t using (topic_id)
    union all
    select v.member_id::varchar, v.voted_at::timestamp, p.group_id::varchar
    from read_json('{tos}/**proposal_votes.ndjson', {ndjson}) as v join proposals as p
        using (proposal_id)
),
discourse_pages as (
    select id as topic_id, category_id, post_stream
    from read_json('{disc}/t_*.json', maximum_object_size = 67108864, columns = {{
        id: 'bigint', category_id: 'bigint',
        post_stream: 'struct(posts struct(user_id bigint, created_at varchar, topic_id bigint)[])'}})
),
discourse_topics as (
    select topic_id, category_id from discourse_pages where category_id is not null
),
discourse_posts as (
    select unnest(post_stream.posts, recursive := true) from discourse_pages
),
spaces as (
    select space_id::varchar as space_id, group_id::varchar as group_id
    from read_csv('{community}/space_groups.csv', header = true) where source = 'discourse'
),
discourse_activity as (
    select 'discourse:' || p.user_id as person, p.created_at::timestamp as ts, s.group_id
    from discourse_posts as p join discourse_topics as t using (topic_id)
    join spaces as s on s.space_id = t.category_id::varchar
),
activity as (select * from togetheros_activity union all select * from discourse_activity)
select group_id, date_trunc('month', ts) as month, count(distinct person) as active_members
from activity group by all
"""


# The demo plants malformed lines, as real exports have; the reference skips them like quarantine does.
NDJSON = "format = 'newline_delimited', ignore_errors = true"
DIRECT_READ_MEMORY = "3GB"


def direct_read(inbox: Path) -> dict:
    """Time the direct-read reference query over the inbox files; returns seconds and result rows."""
    folders = {"tos": inbox / "togetheros", "disc": inbox / "discourse", "community": inbox / "community"}
    sql = DIRECT_READ_SQL.format(**folders, ndjson=NDJSON)
    # capped: reading ~300,000 pages at 10M events, DuckDB grew to 21.7 GiB and was killed by the kernel
    spill = {"memory_limit": DIRECT_READ_MEMORY, "temp_directory": str(inbox.parent / "direct-read-spill")}
    with duckdb.connect(":memory:", config=spill) as con:
        con.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        rows = con.execute(f"select count(*), sum(active_members) from ({sql})").fetchall()[0]
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "group_months": rows[0], "active_member_months": int(rows[1] or 0)}
