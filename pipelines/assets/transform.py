"""Every dbt model as a Dagster asset (dagster-dbt). dbt sources point at the raw-load assets
through `meta.dagster.asset_key`, so the graph runs from landing to the public models unbroken."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.assets.resources import DataDir
from pipelines.settings import DBT_PROJECT_DIR, engine

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class StageTranslator(DagsterDbtTranslator):
    """Models are grouped by their folder's stage (staging, intermediate, marts, public)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_resource_props["fqn"][1]
        return super().get_group_name(dbt_resource_props)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=StageTranslator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, data_dir: DataDir):
    data_dir.paths()  # exports TOGETHEROS_DATA_DIR for the dbt subprocess
    if engine() == "spark":
        dbt = spark_dbt()
    # unit tests check formulas on fixed rows, not the data: they run once in the test suite instead
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


def spark_dbt() -> DbtCliResource:
    """dbt on the `spark` target, through pipelines.dbt_plugins.spark (it starts the Spark session, hands it
    the raw tables and `pseudonym`, and copies the public tables back into the warehouse)."""
    return DbtCliResource(
        project_dir=dbt_project,
        target="spark",
        dbt_executable=str(Path(sys.executable).parent / "togetheros-dbt-spark"),
    )
