"""Every dbt model as a Dagster asset (dagster-dbt). dbt sources point at the raw-load assets
through `meta.dagster.asset_key`, so the graph runs from landing to the public models unbroken."""

from collections.abc import Mapping
from pathlib import Path
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
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", settings]
    yield from build_what_changed(context, dbt, paths, args, settings)


def build_what_changed(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: Paths, args, settings: str):
    """dbt builds only what the load or the code changed since its last good build (pipelines/dbt_changes.py);
    a model it did not rebuild is unchanged and is reported as such, so that the steps after it still run."""
    import os

    import duckdb

    from pipelines import dbt_changes
    from pipelines.dbt_plugins import pseudonym

    state_dir = paths.warehouse.parent / dbt_changes.STATE_FOLDER
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        inputs = dbt_changes.fingerprints(con)
    code = [
        DBT_PROJECT_DIR / name for name in ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")
    ]
    code.append(Path(pseudonym.__file__))
    key = os.environ.get(pseudonym.KEY_ENV, "")
    digest = dbt_changes.settings_digest(settings, key, pseudonym.demo_key_file(paths), code)
    selected, why = dbt_changes.selection(state_dir, inputs, digest)
    context.log.info(f"dbt builds {why}")
    done = set()
    if selected is not None:
        for event in dbt.cli(args + selected, context=context).stream():
            done.add(getattr(event, "output_name", None))
            yield event
        # the digest again: the first build writes the demo pseudonym key file that it covers
        key_file = pseudonym.demo_key_file(paths)
        dbt_changes.record(state_dir, inputs, dbt_changes.settings_digest(settings, key, key_file, code))
    models = {context.assets_def.get_output_name_for_asset_key(asset) for asset in context.selected_asset_keys}
    for name in sorted(models - done):
        yield dg.Output(None, output_name=name, metadata={"rebuilt": False})
