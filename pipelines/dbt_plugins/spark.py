"""The dbt project on Apache Spark (issue 18): the same models, built by dbt-spark (`method: session`).

DuckDB stays the default engine. With `--engine spark` (or TOGETHEROS_ENGINE=spark) the pipeline
1. exports the warehouse's raw tables to Parquet (data/spark/raw/<table>.parquet) and registers them as
   Spark tables `raw.<table>`, the dbt sources;
2. runs dbt against the `spark` target in this process, in a Spark session that has the keyed
   `pseudonym()` function registered (the DuckDB plugin's twin, same key, same HMAC);
3. copies the public tables Spark built (the datasets and release_facts) into the warehouse's `public`
   schema, so the quality suites and the release read them exactly as they read DuckDB's.

`python -m pipelines.dbt_plugins.spark <dbt arguments>` is a drop-in `dbt` executable (dagster-dbt calls it
as its `dbt_executable`); the Spark master comes from TOGETHEROS_SPARK_MASTER (default `local[2]`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import duckdb

from pipelines.settings import DBT_PROJECT_DIR, Paths, duckdb_config

SPARK_DIR = "spark"


def spark_paths(paths: Paths) -> dict[str, Path]:
    root = paths.data / SPARK_DIR
    raw = Path(os.environ["TOGETHEROS_SPARK_RAW_DIR"]) if os.environ.get("TOGETHEROS_SPARK_RAW_DIR") else root / "raw"
    return {"root": root, "raw": raw, "warehouse": root / "warehouse", "metastore": root / "metastore"}


def session(paths: Paths | None = None):
    """The Spark session dbt-spark's `session` method will pick up (`SparkSession.builder.getOrCreate()`)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from pipelines.dbt_plugins.pseudonym import load_key, pseudonym

    paths = paths or Paths.from_env()
    where = spark_paths(paths)
    where["metastore"].mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.master(os.environ.get("TOGETHEROS_SPARK_MASTER", "local[2]"))
        .appName("togetheros-dbt")
        .config("spark.sql.warehouse.dir", str(where["warehouse"]))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={where['metastore'] / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={where['metastore']}")
        .config("spark.driver.memory", os.environ.get("TOGETHEROS_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("TOGETHEROS_SPARK_SHUFFLE_PARTITIONS", "2"))
        # DuckDB writes naive timestamps; read them as Spark's TIMESTAMP in a UTC session, as DuckDB does
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        .enableHiveSupport()
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    key = load_key()
    assert pseudonym(key, "check") == _hmac_sha256(key)("check")

    spark.udf.register("pseudonym", _hmac_sha256(key), StringType())
    return spark


def _hmac_sha256(key: bytes):
    """pipelines.dbt_plugins.pseudonym.pseudonym as a closure over the standard library only: Spark ships it
    to its executors, which then need Python but not this project."""
    import hashlib
    import hmac

    return lambda value: None if value is None else hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.sql(
            "select table_name from information_schema.tables where table_schema = 'raw' order by table_name"
        ).fetchall()
    ]


def export_raw(paths: Paths) -> list[str]:
    """Every raw table as one Parquet file (in a cluster, these would live in object storage)."""
    out = spark_paths(paths)["raw"]
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.warehouse), read_only=True, config=duckdb_config()) as con:
        names = raw_tables(con)
        for name in names:
            con.sql(f"copy (select * from raw.\"{name}\") to '{out / name}.parquet' (format parquet)")
    return names


def register_raw(spark, paths: Paths, names: list[str]) -> None:
    spark.sql("create database if not exists raw")
    for name in names:
        spark.sql(f"drop table if exists raw.`{name}`")
        spark.sql(f"create table raw.`{name}` using parquet location '{spark_paths(paths)['raw'] / name}.parquet'")


SESSION_COMMANDS = ("build", "run", "seed", "test", "snapshot", "compile", "show", "run-operation", "debug")
BUILD_COMMANDS = ("build", "run", "seed", "test", "snapshot")


def _command(args: list[str]) -> str | None:
    return next((arg for arg in args if not arg.startswith("-")), None)


def run_dbt(args: list[str], paths: Paths | None = None) -> int:
    """dbt, on the Spark target, in this process (the session and its `pseudonym` must be in the same JVM).
    After a build, the public tables (the datasets and release_facts) are copied into the warehouse, so
    the release is written from them exactly as from DuckDB's."""
    from dbt.cli.main import dbtRunner

    paths = paths or Paths.from_env()
    command = _command(args)
    if command in SESSION_COMMANDS:
        spark = session(paths)
        if command in BUILD_COMMANDS:
            register_raw(spark, paths, export_raw(paths))
        if "--target" not in args and "-t" not in args:
            args = [*args, "--target", "spark"]
    for flag, env in (("--project-dir", "DBT_PROJECT_DIR"), ("--profiles-dir", "DBT_PROFILES_DIR")):
        if command is not None and flag not in args and not os.environ.get(env):
            args = [*args, flag, str(DBT_PROJECT_DIR)]
    result = dbtRunner().invoke(args)
    if command in SESSION_COMMANDS:
        _keep_run_results(args, paths)
    if result.exception is not None:
        print(result.exception, file=sys.stderr)
        return 2
    if command in ("build", "run") and result.success:
        tables_to_warehouse(paths)
    return 0 if result.success else 1


def _keep_run_results(args: list[str], paths: Paths) -> None:
    """The last invocation's run_results.json beside the Spark tables (the CI test reads it)."""
    given = args[args.index("--target-path") + 1] if "--target-path" in args else os.environ.get("DBT_TARGET_PATH")
    target = Path(given or "target")
    target = target if target.is_absolute() else (DBT_PROJECT_DIR / target)
    if (target / "run_results.json").exists():
        spark_paths(paths)["root"].mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / "run_results.json", spark_paths(paths)["root"] / "run_results.json")


def tables_to_warehouse(paths: Paths, schemas: tuple[str, ...] = ("public",), extra: tuple[str, ...] = ()) -> list[str]:
    """Copy what Spark built into the warehouse DuckDB file: every table of `schemas`, and `extra` tables.
    Spark's timestamps (UTC instants) become naive UTC timestamps, as dbt-duckdb writes them."""
    spark = session(paths)
    names = [
        f"{schema}.{row.tableName}" for schema in schemas for row in spark.sql(f"show tables in {schema}").collect()
    ]
    with duckdb.connect(str(paths.warehouse), config=duckdb_config()) as con:
        for name in [*names, *extra]:
            schema, table = name.split(".")
            frame = spark.table(f"{schema}.`{table}`").toArrow()
            con.sql(f"create schema if not exists {schema}")
            con.register("spark_built", frame)
            columns = con.sql("select column_name, column_type from (describe spark_built)").fetchall()
            select = ", ".join(
                f'timezone(\'UTC\', "{column}") as "{column}"'
                if data_type == "TIMESTAMP WITH TIME ZONE"
                else f'"{column}"'
                for column, data_type in columns
            )
            con.sql(f'create or replace table {schema}."{table}" as select {select} from spark_built')
            con.unregister("spark_built")
    return names


def main(argv: list[str] | None = None) -> int:
    return run_dbt(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
