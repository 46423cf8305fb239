"""The dbt project on Apache Spark (issue 18): the same models, built by dbt-spark (`method: session`).

DuckDB stays the default engine. With `--engine spark` (or TOGETHEROS_ENGINE=spark) the pipeline
1. exports the warehouse's raw tables to Parquet (data/spark/raw/<table>.parquet) and registers them as
   Spark tables `raw.<table>`, the dbt sources;
2. runs dbt against the `spark` target in this process, in a Spark session that has the keyed
   `pseudonym()` function registered (the DuckDB plugin's twin, same key, same HMAC);
3. copies the public tables Spark built back into the warehouse's `public` schema, cast to their
   contract types, so publication checks and the release read them exactly as they read DuckDB's.

`python -m pipelines.transform.spark <dbt arguments>` is a drop-in `dbt` executable (dagster-dbt calls it
as its `dbt_executable`); the Spark master comes from TOGETHEROS_SPARK_MASTER (default `local[2]`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from pipelines.settings import DBT_PROJECT_DIR, Paths, duckdb_config

SPARK_DIR = "spark"


def spark_paths(paths: Paths) -> dict[str, Path]:
    root = paths.data / SPARK_DIR
    return {"root": root, "raw": root / "raw", "warehouse": root / "warehouse", "metastore": root / "metastore"}


def session(paths: Paths | None = None):
    """The Spark session dbt-spark's `session` method will pick up (`SparkSession.builder.getOrCreate()`)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StringType

    from pipelines.transform.pseudonym import load_key, pseudonym

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
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("TOGETHEROS_SPARK_SHUFFLE_PARTITIONS", "4"))
        # DuckDB writes naive timestamps; read them as Spark's TIMESTAMP in a UTC session, as DuckDB does
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        .enableHiveSupport()
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    key = load_key()
    spark.udf.register("pseudonym", lambda value: None if value is None else pseudonym(key, value), StringType())
    return spark


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
            con.sql(f'copy (select * from raw."{name}") to \'{out / name}.parquet\' (format parquet)')
    return names


def register_raw(spark, paths: Paths, names: list[str]) -> None:
    spark.sql("create database if not exists raw")
    for name in names:
        spark.sql(f"drop table if exists raw.`{name}`")
        spark.sql(f"create table raw.`{name}` using parquet location '{spark_paths(paths)['raw'] / name}.parquet'")


def run_dbt(args: list[str], paths: Paths | None = None) -> int:
    """dbt, on the Spark target, in this process (the session and its `pseudonym` must be in the same JVM)."""
    from dbt.cli.main import dbtRunner

    paths = paths or Paths.from_env()
    spark = session(paths)
    if args[:1] and args[0] in ("build", "run", "seed", "test", "snapshot"):
        register_raw(spark, paths, export_raw(paths))
    if "--target" not in args and "-t" not in args:
        args = [*args, "--target", "spark"]
    if "--project-dir" not in args and "--profiles-dir" not in args:
        args = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    result = dbtRunner().invoke(args)
    if result.exception is not None:
        print(result.exception, file=sys.stderr)
        return 2
    return 0 if result.success else 1


def public_to_warehouse(paths: Paths, columns: dict[str, dict[str, str]]) -> None:
    """Copy the public tables Spark built into the warehouse, each column cast to its contract type."""
    spark = session(paths)
    with duckdb.connect(str(paths.warehouse), config=duckdb_config()) as con:
        con.sql("create schema if not exists public")
        for name, types in columns.items():
            frame = spark.table(f"public.`{name}`").toArrow()
            select = ", ".join(f'cast("{column}" as {data_type}) as "{column}"' for column, data_type in types.items())
            con.register("spark_built", frame)
            con.sql(f'create or replace table public."{name}" as select {select} from spark_built')
            con.unregister("spark_built")


def main(argv: list[str] | None = None) -> int:
    return run_dbt(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
