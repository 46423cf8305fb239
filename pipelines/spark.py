"""The dbt project built on Apache Spark instead of DuckDB (docs/scaling.md).

The raw tables that the raw load wrote into the DuckDB warehouse are exported as Parquet and
registered in a local Spark session (local[2], its metastore and tables under <data_dir>/spark), the
`pseudonym` function is registered with the same key and HMAC as the DuckDB plugin, and dbt runs in
this process with the `spark` target, whose `session` method joins the session started here. The
public models are then written out as Parquet, one folder per dataset; `togetheros pipeline --engine
spark` copies them into the warehouse's public schema (`copy_public_to_warehouse`), where the checks and
the release read them as they read DuckDB's.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.dbt_plugins.pseudonym import KEY_ENV, demo_key_file, load_key, pseudonym
from pipelines.settings import REPO_ROOT, Paths

DBT_PROJECT = REPO_ROOT / "dbt_project"
# what the release reads besides the datasets is built too: every model and data test, no unit tests
DBT_BUILD = ["build", "--target", "spark", "--exclude-resource-type", "unit_test"]
# statements issued at once: the `spark` target's threads in profiles.yml
SPARK_THREADS = 4


@dataclass
class SparkBuild:
    success: bool
    # wall seconds of each step: raw export, session start, raw registration, dbt, public export
    seconds: dict[str, float]
    # dbt's results that did not pass (model, test or seed name -> status)
    failures: dict[str, str]
    # models dbt built
    models: int
    # public dataset name -> its Parquet folder
    public: dict[str, Path]


def export_raw(warehouse: Path, out: Path) -> list[str]:
    """Every table of the warehouse's raw schema as <out>/<table>.parquet; returns the table names."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        for name in tables:
            conn.execute(f"copy raw.\"{name}\" to '{out / name}.parquet' (format parquet)")
    return tables


def spark_session(spark_dir: Path, master: str = "local[2]"):
    """A Spark session whose metastore and managed tables live under `spark_dir` (UTC, timestamps
    without time zone as DuckDB's, few shuffle partitions and no adaptive execution for data of one
    community: docs/scaling.md)."""
    from pyspark.sql import SparkSession

    spark_dir.mkdir(parents=True, exist_ok=True)
    spark = (
        SparkSession.builder.master(master)
        .appName("togetheros-dbt")
        .config("spark.sql.warehouse.dir", str(spark_dir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.shuffle.partitions", "2")
        # re-planning at each stage pays off on big shuffles; on one community's tables it is only overhead
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .enableHiveSupport()
        .getOrCreate()
    )
    # dbt reports what failed; Spark's own log would repeat every stack trace
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def in_parallel(statements, items) -> None:
    """`statements(item)` for every item, from the threads dbt uses: each Spark statement's cost is mostly
    fixed (planning, a job, the metastore) and overlaps with the others' (docs/scaling.md)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(SPARK_THREADS) as pool:
        list(pool.map(statements, items))


def register(spark, raw_dir: Path, tables: list[str], key: bytes) -> None:
    """The raw Parquet files as tables of the `raw` database, and `pseudonym(text)`."""
    from pyspark.sql.types import StringType

    def register_table(name: str) -> None:
        spark.sql(f"drop table if exists raw.`{name}`")
        spark.sql(f"create table raw.`{name}` using parquet location '{raw_dir / name}.parquet'")

    spark.sql("create database if not exists raw")
    in_parallel(register_table, tables)
    spark.udf.register("pseudonym", lambda v: None if v is None else pseudonym(key, v), StringType())


def export_public(spark, spark_dir: Path) -> dict[str, Path]:
    """Every table of Spark's `public` database as <spark_dir>/public/<name>/ (Parquet)."""
    # not the views an incremental build leaves in the session (<model>__dbt_tmp)
    names = [row.tableName for row in spark.sql("show tables in public").collect() if not row.isTemporary]
    public = {name: spark_dir / "public" / name for name in names}
    in_parallel(lambda name: spark.table(f"public.{name}").write.mode("overwrite").parquet(str(public[name])), names)
    return public


def run_results(data_dir: Path) -> list[dict]:
    """dbt's results of the last Spark build of `data_dir` (every model, seed and data test)."""
    return json.loads((Paths.at(data_dir).data / "spark" / "dbt_target" / "run_results.json").read_text())["results"]


def copy_public_to_warehouse(data_dir: Path, config: Mapping[str, str]) -> list[str]:
    """The public tables of the last Spark build of `data_dir` replace the warehouse's public schema, in
    one transaction; returns their names."""
    paths = Paths.at(data_dir)
    folders = sorted(p for p in (paths.data / "spark" / "public").iterdir() if p.is_dir())
    with duckdb.connect(str(paths.warehouse), config=dict(config)) as conn:
        conn.execute("begin transaction")
        conn.execute("create schema if not exists public")
        for folder in folders:
            conn.execute(
                f"create or replace table public.\"{folder.name}\" as select * from read_parquet('{folder}/*.parquet')"
            )
        conn.execute("commit")
    return [folder.name for folder in folders]


def spark_dbt_vars(data_dir: Path, env: Mapping[str, str]) -> dict:
    """The `--vars` the pipeline gives dbt on DuckDB (threshold, TogetherOS address, ...), from `env`."""
    from pipelines.assets.resources import configured_resources, dbt_vars

    resources = configured_resources(env)
    return json.loads(dbt_vars(Path(data_dir), resources["warehouse"], resources["disclosure"], resources["sources"]))


def build(
    data_dir: Path, dbt_vars: dict, env: Mapping[str, str], full_refresh: bool = False, master: str = "local[2]"
) -> SparkBuild:
    """dbt build on Spark over the raw tables of `data_dir`'s warehouse; the public datasets are written
    to <data_dir>/spark/public/<name>/ (Parquet). Spark's tables and metastore are kept from one build to
    the next, as DuckDB's warehouse is: the month-incremental models rebuild only the months that changed
    (`full_refresh`: every model whole)."""
    from dbt.cli.main import dbtRunner

    paths = Paths.at(data_dir)
    spark_dir = paths.data / "spark"
    # this build's, written again (dbt_target is kept: dbt's partial parse saves a whole parse)
    for done in ("raw", "public"):
        shutil.rmtree(spark_dir / done, ignore_errors=True)
    seconds, started = {}, time.monotonic()

    def step_done(name: str) -> None:
        nonlocal started
        seconds[name], started = time.monotonic() - started, time.monotonic()

    tables = export_raw(paths.warehouse, spark_dir / "raw")
    step_done("raw export")
    spark = spark_session(spark_dir, master)
    step_done("session start")
    try:
        register(spark, spark_dir / "raw", tables, load_key(env.get(KEY_ENV), demo_key_file(paths)))
        step_done("raw registration")
        args = [*DBT_BUILD, "--vars", json.dumps(dbt_vars), "--project-dir", str(DBT_PROJECT)]
        args += ["--full-refresh"] if full_refresh else []
        args += ["--profiles-dir", str(DBT_PROJECT), "--target-path", str(spark_dir / "dbt_target")]
        result = dbtRunner().invoke(args)
        step_done("dbt")
        results = list(result.result or [])
        failures = {r.node.name: str(r.status) for r in results if str(r.status) not in ("success", "pass", "no-op")}
        models = sum(1 for r in results if r.node.resource_type == "model" and str(r.status) == "success")
        public = export_public(spark, spark_dir)
        step_done("public export")
        return SparkBuild(bool(result.success) and not failures, seconds, failures, models, public)
    finally:
        spark.stop()
