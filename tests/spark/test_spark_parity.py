"""The same dbt project on Apache Spark: every public dataset equals DuckDB's, and so does the release.

A copy of the suite's demo run (pipeline_run, built on DuckDB) runs the pipeline again with
`--engine spark`: its raw tables go to a local Spark session (pipelines/spark.py), dbt builds every model
and runs every data test there, and the checks and the release read Spark's public tables. Each public
table is compared with the DuckDB warehouse's row for row, and the Spark-built release with the
DuckDB-built one file for file. Several constructs give wrong answers on Spark without an error (a
0-based list index, a regex flag, day-of-week numbering): only a full diff of the outputs catches them.
One Spark build serves every test here (it holds a CI worker for minutes).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

# decimals and doubles are compared to this many places: DuckDB divides decimals through doubles
PLACES = 6


def normalised(value):
    """One value in a form both engines' outputs share: numbers as int when whole, else rounded."""
    if isinstance(value, bool) or value is None or isinstance(value, str | date | datetime):
        return value
    if isinstance(value, int | Decimal | float):
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        if value == int(value):
            return int(value)
        return round(float(value), PLACES)
    if isinstance(value, list | tuple):
        return tuple(normalised(v) for v in value)
    return value


def rows(conn: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], Counter]:
    result = conn.execute(f"select * from {relation}")
    names = [column[0] for column in result.description]
    return names, Counter(tuple(normalised(v) for v in row) for row in result.fetchall())


def test_normalised_tells_values_apart():
    # the comparison must not hide differences: a wrong sign, a lost row or a shifted day still differ
    assert normalised(Decimal("12.50")) == normalised(12.5) and normalised(Decimal("3")) == 3
    assert normalised(Decimal("0.1513")) != normalised(Decimal("0.1514"))
    assert normalised(None) != normalised(0) and normalised(date(2026, 1, 4)) != normalised(date(2026, 1, 5))
    assert Counter([(1,), (1,)]) != Counter([(1,)])


TOGETHEROS = str(Path(sys.executable).parent / "togetheros")


@pytest.fixture(scope="module")
def spark_run(pipeline_run, tmp_path_factory):
    """`togetheros pipeline --engine spark` on a copy of the demo run's data dir (its landing and raw load
    find nothing new; dbt builds on Spark; a second release follows the DuckDB-built one)."""
    assert pipeline_run.success, "the DuckDB demo run failed"
    data_dir = tmp_path_factory.mktemp("spark-run") / "data"
    shutil.copytree(pipeline_run.data_dir, data_dir, symlinks=True)
    command = [TOGETHEROS, "pipeline", "--engine", "spark", "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ}, timeout=1500)
    return done, data_dir


@pytest.fixture(scope="module")
def spark_build(spark_run):
    done, data_dir = spark_run
    return done, data_dir / "spark"


def test_every_model_and_data_test_passes_on_spark(spark_build):
    done, spark_dir = spark_build
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # nothing skipped, nothing errored: a model that fails on Spark also skips everything below it
    results = json.loads((spark_dir / "dbt_target" / "run_results.json").read_text())["results"]
    # exposures (the dashboards' declared inputs) build nothing: dbt reports them as no-op
    statuses = Counter(result["status"] for result in results if not result["unique_id"].startswith("exposure."))
    assert set(statuses) <= {"success", "pass"}, statuses
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert len(models) >= 90 and len(tests) >= 300


def test_every_public_dataset_equals_duckdbs(pipeline_run, spark_build):
    public_dir = spark_build[1] / "public"
    with duckdb.connect(str(pipeline_run.data_dir / "warehouse" / "warehouse.duckdb"), read_only=True) as conn:
        public = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public' order by 1"
            ).fetchall()
        ]
        assert len(public) >= 29
        assert sorted(folder.name for folder in public_dir.iterdir()) == public
        differences = []
        for name in public:
            duck_columns, duck_rows = rows(conn, f'public."{name}"')
            spark_columns, spark_rows = rows(conn, f"read_parquet('{public_dir / name}/*.parquet')")
            if duck_columns != spark_columns:
                differences.append(f"{name}: columns {duck_columns} on DuckDB, {spark_columns} on Spark")
            elif duck_rows != spark_rows:
                only_duck = list((duck_rows - spark_rows).elements())[:3]
                only_spark = list((spark_rows - duck_rows).elements())[:3]
                differences.append(
                    f"{name}: {duck_rows.total()} rows on DuckDB, {spark_rows.total()} on Spark; "
                    f"only on DuckDB {only_duck}, only on Spark {only_spark}"
                )
            elif duck_rows.total() == 0:
                differences.append(f"{name}: empty on both engines (nothing compared)")
    assert differences == []


def release_files(release: Path) -> dict[str, tuple[str, int, dict]]:
    """Each data resource of a release: its sha256, rows and Table Schema."""
    descriptor = json.loads((release / "datapackage.json").read_text())
    return {
        resource["path"]: (resource["hash"], resource.get("togetheros:rows"), resource["schema"])
        for resource in descriptor["resources"]
    }


def test_the_release_is_the_same_whichever_engine_built_it(pipeline_run, spark_run):
    done, data_dir = spark_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    duckdb_release = (pipeline_run.data_dir / "releases" / "latest").resolve()
    spark_release = (data_dir / "releases" / "latest").resolve()
    assert spark_release.name != duckdb_release.name, "the Spark run published no release of its own"
    verified = subprocess.run([TOGETHEROS, "verify", str(spark_release)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    descriptor = json.loads((spark_release / "datapackage.json").read_text())
    assert "pyspark" in descriptor["togetheros:engines"] and "dbt-spark" in descriptor["togetheros:engines"]
    # every data file byte for byte (Parquet and CSV): same hashes, rows and Table Schemas
    duckdb_files, spark_files = release_files(duckdb_release), release_files(spark_release)
    assert len(duckdb_files) >= 60
    differing = sorted(
        path for path in duckdb_files.keys() | spark_files.keys() if duckdb_files.get(path) != spark_files.get(path)
    )
    assert differing == []
    # and against the DuckDB-built release it follows, nothing changed
    changes = json.loads((spark_release / "changes.json").read_text())
    assert changes["previous"] == duckdb_release.name
    changed = {
        name: dataset
        for name, dataset in changes["datasets"].items()
        if (dataset["status"], dataset["added"], dataset["removed"], dataset["changed"]) != ("compared", 0, 0, 0)
        or dataset["columns_added"]
        or dataset["columns_removed"]
    }
    assert len(changes["datasets"]) >= 29 and changed == {}
