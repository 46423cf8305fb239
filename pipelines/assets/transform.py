"""Every dbt model as a Dagster asset (dagster-dbt). dbt sources point at the raw-load assets
through `meta.dagster.asset_key`, so the graph runs from landing to the public models unbroken."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.assets.resources import DataDir, Disclosure, Sources, Warehouse, dbt_vars
from pipelines.settings import DBT_PROJECT_DIR, Paths

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


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
):
    # the warehouse, the threshold, the memory limit and the TogetherOS address go to dbt explicitly, as --vars
    paths = data_dir.paths()
    check_groups(context, paths, warehouse)
    settings = dbt_vars(paths.data, warehouse, disclosure, sources)
    # unit tests check formulas on fixed rows, not the data: they run once in the test suite instead
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test", "--vars", settings], context=context).stream()
