"""Every dbt model as a Dagster asset (dagster-dbt). dbt sources point at the raw-load assets
through `meta.dagster.asset_key`, so the graph runs from landing to the public models unbroken."""

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.assets.resources import DataDir, DbtEngine, Disclosure, Publishing, Sources, Warehouse, dbt_vars
from pipelines.preflight import no_source_rows_problem
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, SOURCES, Paths
from pipelines.sources.contracts import load_contract

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# dbt parses the whole project again (~20 s) when its --vars or profile differ from the last parse's, and
# dagster-dbt starts each run in a new target folder: a data dir's last parse is kept beside its warehouse
PARSE_CACHE = "dbt_partial_parse.msgpack"


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before every dbt command (3.3 s of each build):
    `dbt --version` in a subprocess, to learn what the dbt-core installed beside it says, and a dbt adapter
    opened in this process, which only fetches column and row-count metadata that no asset here asks for."""

    @functools.cached_property
    def _cli_version(self):
        from dbt.version import __version__
        from packaging import version

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


def check_groups(context: dg.AssetExecutionContext, paths: Paths, warehouse: Warehouse) -> None:
    """Every space in a group before dbt runs (pipelines/spaces.py): a missing mapping stops the run with
    the line to add, instead of a failed relationships test deep in the treasury models."""
    import duckdb

    from pipelines import spaces

    if not paths.warehouse.exists():
        return
    with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
        report = spaces.check(con, paths.inbox)
    for note in report.notes:
        context.log.warning(note)
    if report.errors:
        raise dg.Failure(description="Spaces and groups do not match:\n" + "\n".join(report.errors))


def check_source_rows(paths: Paths, warehouse: Warehouse) -> None:
    """Some raw table holds a row, or the run stops here, before dbt (`no_source_rows_problem`)."""
    import duckdb

    tables = [contract.table for source in SOURCES for contract in load_contract(source).values()]
    rows = dict.fromkeys(tables, 0)
    if paths.warehouse.exists():
        with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
            present = {
                t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
            }
            for table in tables:
                if table in present:
                    rows[table] = con.execute(f'select count(*) from raw."{table}"').fetchall()[0][0]
    problem = no_source_rows_problem(rows)
    if problem:
        raise dg.Failure(description=problem)


class StageTranslator(DagsterDbtTranslator):
    """Models are grouped by their folder's stage (staging, intermediate, marts, public)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_resource_props["fqn"][1]
        return super().get_group_name(dbt_resource_props)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=StageTranslator())
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    data_dir: DataDir,
    warehouse: Warehouse,
    disclosure: Disclosure,
    sources: Sources,
    publishing: Publishing,
    engine: DbtEngine,
):
    # the warehouse, the threshold, the memory limit and the TogetherOS address go to dbt explicitly, as --vars
    paths = data_dir.paths()
    if not publishing.allow_empty:
        check_source_rows(paths, warehouse)
    check_groups(context, paths, warehouse)
    settings = dbt_vars(paths.data, warehouse, disclosure, sources)
    # unit tests check formulas on fixed rows, not the data: they run once in the test suite instead
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", settings]
    if engine.name == "spark":
        yield from build_on_spark(context, paths, warehouse, settings, engine.spark_master)
    else:
        yield from build_what_changed(context, dbt, paths, warehouse, args, settings)


def build_on_spark(context: dg.AssetExecutionContext, paths: Paths, warehouse: Warehouse, settings: str, master: str):
    """Every model and data test built on Spark (`togetheros spark-build`, in a process of its own: its JVM
    ends with it), then Spark's public tables copied into the warehouse's public schema, where the checks
    and the release read them; each model and data test reported from dbt's results on Spark."""
    from pipelines import dbt_changes, spark

    command = [sys.executable, "-m", "pipelines.cli", "spark-build", "--data-dir", str(paths.data)]
    command += ["--vars", settings, "--master", master]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=os.environ)
    context.log.info(done.stdout)
    if done.returncode != 0:
        raise dg.Failure(description=f"dbt on Spark failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    copied = spark.copy_public_to_warehouse(paths.data, warehouse.config())
    context.log.info(f"Spark's {len(copied)} public tables copied into the warehouse's public schema")
    # the warehouse's own staging and marts are now older than its public schema: the next DuckDB build is whole
    (paths.warehouse.parent / dbt_changes.STATE_FOLDER / "built.json").unlink(missing_ok=True)
    results = {result["unique_id"]: result for result in spark.run_results(paths.data)}
    translator = StageTranslator()
    selected = {context.assets_def.get_output_name_for_asset_key(asset) for asset in context.selected_asset_keys}
    built = [uid for uid in results if uid.split(".")[0] in ("model", "seed")]
    for unique_id in dbt_changes.parents_first(manifest(), built):
        name = context.assets_def.get_output_name_for_asset_key(
            translator.get_asset_key(manifest()["nodes"][unique_id])
        )
        if name in selected:
            selected.discard(name)
            yield dg.Output(
                None, output_name=name, metadata={"engine": "spark", "seconds": results[unique_id]["execution_time"]}
            )
    if selected:  # dbt on Spark reported no result for a model it was asked to build
        raise dg.Failure(description=f"dbt on Spark built no {', '.join(sorted(selected))}")
    checks = {key.name: key for key in context.selected_asset_check_keys}
    for unique_id, result in results.items():
        test = manifest()["nodes"].get(unique_id, {})
        if test.get("resource_type") == "test" and test["name"] in checks:
            yield dg.AssetCheckResult(
                asset_key=checks[test["name"]].asset_key,
                check_name=test["name"],
                passed=result["status"] == "pass",
                metadata={"engine": "spark", "status": result["status"], "failures": result.get("failures") or 0},
            )


def build_what_changed(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: Paths, warehouse: Warehouse, args, settings: str
):
    """dbt builds only what the load or the code changed since its last good build (pipelines/dbt_changes.py);
    a model it did not rebuild is unchanged and is reported as such, so that the steps after it still run."""
    import duckdb

    from pipelines import dbt_changes
    from pipelines.dbt_plugins import pseudonym

    state_dir = paths.warehouse.parent / dbt_changes.STATE_FOLDER
    with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
        inputs = dbt_changes.fingerprints(con)
    code = [
        DBT_PROJECT_DIR / name for name in ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")
    ]
    code.append(Path(pseudonym.__file__))
    key = os.environ.get(pseudonym.KEY_ENV, "")
    digest = dbt_changes.settings_digest(settings, key, pseudonym.demo_key_file(paths), code)
    selected, why = dbt_changes.selection(state_dir, inputs, digest)
    context.log.info(f"dbt builds {why}")
    models = {context.assets_def.get_output_name_for_asset_key(asset) for asset in context.selected_asset_keys}
    # the models left as they are first: Dagster takes a multi-asset's outputs parents first
    done, kept = set(), []
    translator = StageTranslator()
    for unique_id in dbt_changes.not_rebuilt(manifest(), selected):
        node = manifest()["nodes"][unique_id]
        kept.append(node["name"])
        name = context.assets_def.get_output_name_for_asset_key(translator.get_asset_key(node))
        if name in models:
            done.add(name)
            yield dg.Output(None, output_name=name, metadata={"rebuilt": False})
    if selected is not None:
        # dagster-dbt adds its own --select (every model) to the command, and dbt takes the union of the
        # --select flags: so the models left as they are are excluded instead
        exclude = ["--exclude", " ".join(kept)] if kept else []
        for event in dbt_with_parse_cache(context, dbt, paths, args + exclude + dbt_changes.thread_args(selected)):
            done.add(getattr(event, "output_name", None))
            yield event
        # the digest again: the first build writes the demo pseudonym key file that it covers
        key_file = pseudonym.demo_key_file(paths)
        dbt_changes.record(state_dir, inputs, dbt_changes.settings_digest(settings, key, key_file, code))
    missing = models - done
    if missing:  # dbt reported no result for a model it was asked to build
        raise dg.Failure(description=f"dbt built no {', '.join(sorted(missing))}")


@functools.cache
def manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text())


def dbt_with_parse_cache(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: Paths, args: list[str]):
    """dbt's events, its partial parse taken from and kept beside the data dir's warehouse (`PARSE_CACHE`).
    The run's target folder (its compiled SQL and manifest, 14-23 MB at 10M events) is removed once dbt
    succeeded, so that daily runs do not pile them up; a failed run's is kept to look into."""
    target = DBT_PROJECT_DIR / "target" / f"dbt_models-{context.run.run_id}"
    cache = paths.warehouse.parent / PARSE_CACHE
    if cache.is_file():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target / "partial_parse.msgpack")
    yield from dbt.cli(args, context=context, target_path=target).stream()
    if (target / "partial_parse.msgpack").is_file():
        shutil.copyfile(target / "partial_parse.msgpack", f"{cache}.tmp")
        os.replace(f"{cache}.tmp", cache)
    shutil.rmtree(target, ignore_errors=True)
