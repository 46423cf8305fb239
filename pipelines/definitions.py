"""The one Definitions object: every asset from landing to release, run in process so that only
one writer ever holds the DuckDB warehouse. `build_definitions` reads the settings from the
environment (`configured_resources`) and lets a caller replace resources by name (the command line's
`--data-dir`, tests); `defs` is what `dagster dev` loads."""

import os
from collections.abc import Mapping

import dagster as dg

from pipelines.assets.alerts import alerts
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
from pipelines.assets.resources import configured_resources
from pipelines.assets.transform import DbtCli, dbt_models, dbt_project

# checks that gate a release; a pipeline run executes them with the assets
release_checks = [expectations_passed, *privacy_checks]


def build_definitions(
    overrides: Mapping[str, dg.ConfigurableResource] | None = None, env: Mapping[str, str] | None = None
) -> dg.Definitions:
    """Every asset, check, job, sensor and schedule, with the resources configured from `env` (default:
    the process environment) and then replaced by `overrides`."""
    resources = {
        **configured_resources(os.environ if env is None else env),
        "dbt": DbtCli(project_dir=dbt_project),
        **(overrides or {}),
    }
    return dg.Definitions(
        assets=[*landing_assets, *raw_assets, *load_bookkeeping, dbt_models, quality_report, release, latest, alerts],
        asset_checks=release_checks,
        jobs=[inbox_job],
        sensors=[inbox_sensor],
        schedules=[api_schedule],
        resources=resources,
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """An instance of its own sources, or a hub when its community folder has a federation.yaml."""
    from pipelines.assets.federation import hub_definitions
    from pipelines.federation.config import config_path

    resources = configured_resources(os.environ)
    if config_path(resources["data_dir"].paths().inbox / "community").exists():
        return hub_definitions(resources)
    return build_definitions()
