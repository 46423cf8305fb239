"""Issue 18: the same dbt project on Apache Spark. The demo the whole-pipeline tests build on DuckDB is
built again with `--engine spark` (dbt-spark, session method, local mode): every model and seed builds,
every dbt data test passes on Spark, and every public dataset equals DuckDB's row for row. Three Spark
constructs return wrong answers without an error (regex replace, list positions, day of week), so only a
comparison of every table catches them. Needs java (`.ci/run` installs Debian's openjdk-17-jre-headless)."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pytest

from pipelines.release import verify_release
from pipelines.release.catalog import public_catalog
from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import DEMO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def spark_run(pipeline_run, tmp_path_factory):
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    if shutil.which("java") is None:
        pytest.fail("java is not installed: `apt-get install openjdk-17-jre-headless` (.ci/run does)")
    data_dir = tmp_path_factory.mktemp("spark-data")
    generate(data_dir / "inbox", **DEMO)  # same seed, same bytes as the DuckDB run's inbox
    shutil.copytree(pipeline_run.data_dir / "keys", data_dir / "keys")  # same pseudonym (and signing) key
    saved = {name: os.environ.get(name) for name in ("TOGETHEROS_DATA_DIR", "TOGETHEROS_ENGINE")}
    try:
        result = run_pipeline(data_dir, engine="spark")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return data_dir, result


def test_the_spark_pipeline_succeeds_and_its_release_verifies(spark_run):
    data_dir, result = spark_run
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    report = verify_release((data_dir / "releases" / "latest").resolve(), walk_chain=True)
    assert report.ok, report.messages()


def test_every_model_seed_and_data_test_ran_on_spark(spark_run):
    data_dir, _ = spark_run
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    expected = {
        node_id
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "test") and node["package_name"] == "togetheros"
    }
    results = json.loads((data_dir / "spark" / "run_results.json").read_text())
    assert results["args"]["target"] == "spark"
    status = {r["unique_id"]: r["status"] for r in results["results"]}
    assert expected - set(status) == set(), "not run on Spark"
    not_ok = {node: s for node, s in status.items() if node in expected and s not in ("success", "pass")}
    assert not_ok == {}, "skipped, failed or erred on Spark"
    models = [n for n in expected if n.startswith("model.")]
    assert len(models) >= 95 and all(status[n] == "success" for n in models)


def test_every_public_dataset_equals_duckdbs_row_for_row(pipeline_run, spark_run):
    spark_dir, _ = spark_run
    datasets = public_catalog(DBT_PROJECT_DIR / "target" / "manifest.json").datasets
    con = duckdb.connect()
    con.sql(f"attach '{pipeline_run.data_dir / 'warehouse' / 'warehouse.duckdb'}' as on_duckdb (read_only)")
    con.sql(f"attach '{spark_dir / 'warehouse' / 'warehouse.duckdb'}' as on_spark (read_only)")
    # the Spark run's warehouse holds raw tables and what Spark built, never a DuckDB-built mart
    assert (
        con.sql(
            "select count(*) from information_schema.tables "
            "where table_catalog = 'on_spark' and table_schema in ('staging', 'marts')"
        ).fetchall()[0][0]
        == 0
    )

    def columns(catalog: str, table: str) -> list[tuple]:
        return con.sql(
            "select column_name, data_type from information_schema.columns "
            f"where table_catalog = '{catalog}' and table_schema = 'public' and table_name = '{table}' "
            "order by ordinal_position"
        ).fetchall()

    differences = {}
    for name in sorted(datasets):
        on_duckdb, on_spark = columns("on_duckdb", name), columns("on_spark", name)
        if on_duckdb != on_spark:
            differences[name] = f"columns {on_duckdb} != {on_spark}"
            continue
        a, b = f'on_duckdb.public."{name}"', f'on_spark.public."{name}"'
        counts = con.sql(f"select (select count(*) from {a}), (select count(*) from {b})").fetchall()[0]
        only_duckdb = con.sql(f"select count(*) from (from {a} except all from {b})").fetchall()[0][0]
        only_spark = con.sql(f"select count(*) from (from {b} except all from {a})").fetchall()[0][0]
        if counts[0] != counts[1] or only_duckdb or only_spark:
            differences[name] = f"rows {counts}, only on DuckDB {only_duckdb}, only on Spark {only_spark}"
    assert len(datasets) >= 29
    assert differences == {}


def test_both_engines_write_the_same_release_data(pipeline_run, spark_run):
    spark_dir, _ = spark_run
    on_duckdb = json.loads((pipeline_run.release / "datapackage.json").read_text())
    on_spark = json.loads(((spark_dir / "releases" / "latest").resolve() / "datapackage.json").read_text())

    def resources(package: dict) -> dict:
        return {r["name"]: (r.get("hash"), r.get("schema")) for r in package["resources"]}

    assert resources(on_duckdb) == resources(on_spark)
