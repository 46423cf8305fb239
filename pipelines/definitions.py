"""The one Definitions object: every asset from landing to release, run in process so that only
one writer ever holds the DuckDB warehouse."""

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.assets.ingest import (
    api_schedule,
    inbox_job,
    inbox_sensor,
    landing_assets,
    load_bookkeeping,
    raw_assets,
)
from pipelines.assets.privacy import privacy_checks
from pipelines.assets.release import expectations_passed, latest, quality_report, release
from pipelines.assets.resources import DataDir
from pipelines.assets.transform import dbt_models, dbt_project

# checks that gate a release; a pipeline run executes them with the assets
release_checks = [expectations_passed, *privacy_checks]

defs = dg.Definitions(
    assets=[*landing_assets, *raw_assets, *load_bookkeeping, dbt_models, quality_report, release, latest],
    asset_checks=release_checks,
    jobs=[inbox_job],
    sensors=[inbox_sensor],
    schedules=[api_schedule],
    resources={"data_dir": DataDir(), "dbt": DbtCliResource(project_dir=dbt_project)},
    executor=dg.in_process_executor,
)
