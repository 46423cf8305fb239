"""Publication: expectations over every public dataset (a failing suite blocks the release), then
the signed, hashed release that the dashboards and auditors read."""

import json
import os
from importlib import metadata
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.assets.resources import (
    Alerts,
    DataDir,
    DbtEngine,
    Disclosure,
    FederationExtract,
    Publishing,
    QualityChecks,
    Signing,
    Warehouse,
)
from pipelines.assets.transform import dbt_models, dbt_project
from pipelines.landing import Landing
from pipelines.preflight import empty_release_problem
from pipelines.release.catalog import public_catalog
from pipelines.release.layout import QUALITY_REPORT
from pipelines.settings import SOURCES, git_commit

ENGINES = ("duckdb", "polars", "pyarrow", "dbt-core", "dbt-duckdb", "dagster", "great-expectations")
# recorded besides when dbt built the models on Spark (`DbtEngine`)
SPARK_ENGINES = ("dbt-spark", "pyspark")


RELEASE_FACTS = "release_facts"  # public.release_facts: what the release reads besides the datasets


def _public_keys() -> list[dg.AssetKey]:
    datasets = public_catalog(dbt_project.manifest_path).datasets
    return [key for key in dbt_models.keys if key.path[-1] in datasets]


def _release_facts_key() -> dg.AssetKey:
    return next(key for key in dbt_models.keys if key.path[-1] == RELEASE_FACTS)


def _read_public(paths, names, warehouse: Warehouse) -> dict:
    with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
        return {name: con.sql(f'select * from public."{name}"').to_arrow_table() for name in names}


@dg.asset(
    key=["release", "quality_report"],
    deps=_public_keys(),
    group_name="release",
    kinds={"great_expectations"},
    description="Great Expectations suites over every public dataset (an unchanged dataset whose earlier "
    "result passed reuses it; TOGETHEROS_QUALITY_FULL=1 validates every one).",
)
def quality_report(
    context: dg.AssetExecutionContext,
    data_dir: DataDir,
    warehouse: Warehouse,
    disclosure: Disclosure,
    quality: QualityChecks,
) -> dg.MaterializeResult:
    from pipelines.release.quality import REUSED, validate_release  # GX is slow to import; only here

    paths = data_dir.paths()
    catalog = public_catalog(dbt_project.manifest_path)
    tables = _read_public(paths, catalog.datasets, warehouse)
    report_path = paths.warehouse.parent / QUALITY_REPORT
    previous = None if quality.full else _previous_report(report_path, context)
    report = validate_release(tables, catalog.dataset_docs, min_count=disclosure.min_count, previous=previous)
    written = report_path.with_suffix(".json.tmp")  # then one rename: never half a report to reuse from
    written.write_text(json.dumps(report, indent=1, sort_keys=True))
    os.replace(written, report_path)
    reused = sorted(name for name, result in report["datasets"].items() if result["validated"] == REUSED)
    return dg.MaterializeResult(
        metadata={
            "status": report["status"],
            "validated": len(report["datasets"]) - len(reused),
            "reused": dg.MetadataValue.json(reused),
        }
    )


def _previous_report(path: Path, context: dg.AssetExecutionContext) -> dict | None:
    """The last quality report, whose passed results of unchanged datasets are reused; none (or an
    unreadable one) validates every dataset."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        context.log.warning(f"{path} unreadable ({error}): every dataset is validated")
        return None


@dg.asset_check(asset=quality_report, blocking=True, description="Every expectation suite passed.")
def expectations_passed(data_dir: DataDir) -> dg.AssetCheckResult:
    report = json.loads((data_dir.paths().warehouse.parent / QUALITY_REPORT).read_text())
    failed = sorted(name for name, result in report["datasets"].items() if not result["success"])
    return dg.AssetCheckResult(passed=report["status"] == "passed", metadata={"failed_datasets": failed})


@dg.asset(
    key=["release", "release"],
    deps=[quality_report, _release_facts_key()],
    group_name="release",
    kinds={"parquet"},
    description="The public datasets as a signed Frictionless data package, not yet visible to readers.",
)
def release(
    context: dg.AssetExecutionContext,
    data_dir: DataDir,
    warehouse: Warehouse,
    disclosure: Disclosure,
    signing: Signing,
    alerts: Alerts,
    publishing: Publishing,
    engine: DbtEngine,
) -> dg.MaterializeResult:
    from pipelines.release import SigningKeyConfig, write_release

    paths = data_dir.paths()
    catalog = public_catalog(dbt_project.manifest_path)
    tables = _read_public(paths, catalog.datasets, warehouse)
    empty = empty_release_problem({n: t.num_rows for n, t in tables.items()}, catalog.dataset_docs)
    if empty and not publishing.allow_empty:
        raise dg.Failure(description=empty)
    if empty:
        context.log.warning("publishing a release with no data rows, as asked (--allow-empty)")
    with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
        facts = con.sql("select * from public.release_facts")
        dates = {
            name.removesuffix("_as_of"): value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
            for name, value in zip(facts.columns, facts.fetchall()[0], strict=True)
        }
    data_as_of = dates.pop("data", "")
    # each dataset's own last-data date: its area's (datasets of no area, like groups: the release's)
    dataset_as_of = {name: dates.get(docs.get("area"), data_as_of) for name, docs in catalog.dataset_docs.items()}
    lineage = [
        {"sha256": f.sha256, "source": f.source, "file_name": f.file_name, "bytes": f.bytes}
        for source in SOURCES
        for f in Landing(paths.landing, source).current()
    ]
    release_dir = write_release(
        tables,
        releases_dir=paths.releases,
        dataset_docs=catalog.dataset_docs,
        metrics=catalog.metrics,
        lineage=lineage,
        quality_report=json.loads((paths.warehouse.parent / QUALITY_REPORT).read_text()),
        recompute_rules=catalog.recompute_rules,
        signing_key=SigningKeyConfig.from_env(signing.environment(), paths.data),
        code_commit=git_commit(),
        engine_versions={
            name: metadata.version(name) for name in ENGINES + (SPARK_ENGINES if engine.name == "spark" else ())
        },
        data_as_of=data_as_of,
        dataset_as_of=dataset_as_of,
        min_count=disclosure.min_count,
        promote=False,  # the privacy check runs first; `release/latest` promotes it
        stale_after_days=alerts.stale_after_days,
        dashboard_url=alerts.dashboard_url,
    )
    return dg.MaterializeResult(
        metadata={
            "release_id": release_dir.name.removeprefix(".candidate-"),
            "path": str(release_dir),
            "rows": dg.MetadataValue.json({n: t.num_rows for n, t in tables.items()}),
            "engine": engine.name,
        }
    )


def release_candidate(instance: dg.DagsterInstance) -> Path:
    """The folder of the release written by the latest materialization of `release/release`."""
    return Path(_release_metadata(instance)["path"].value)


def _release_metadata(instance: dg.DagsterInstance) -> dict:
    return instance.get_latest_materialization_event(release.key).asset_materialization.metadata


@dg.asset(
    key=["release", "latest"],
    deps=[release],
    group_name="release",
    description="Switches `latest` to the new release in one rename, once its checks passed; then writes "
    "the private federation extract beside it when the federation's keys are set.",
)
def latest(
    context: dg.AssetExecutionContext,
    data_dir: DataDir,
    warehouse: Warehouse,
    signing: Signing,
    federation_extract: FederationExtract,
) -> dg.MaterializeResult:
    from pipelines.federation.extract import CityExtractKeys
    from pipelines.release import promote_release

    paths = data_dir.paths()
    published = promote_release(paths.releases, release_candidate(context.instance))
    extract = None
    built_on = _release_metadata(context.instance).get("engine")
    if built_on is None or built_on.value != "spark":
        extract = _write_federation_extract(paths, published, warehouse, signing, federation_extract)
    elif CityExtractKeys.from_env(federation_extract.environment(), paths.keys) is not None:
        # the extract reads the warehouse's marts, which a Spark build leaves as DuckDB last built them
        context.log.warning("no federation extract: the models were built on Spark (docs/federation.md)")
    return dg.MaterializeResult(metadata={"release_id": published.name, "federation_extract": extract or ""})


def _write_federation_extract(paths, release_dir: Path, warehouse, signing, settings) -> str | None:
    """The extract for the hub beside the release (never in it); None when the federation keys are unset."""
    from pipelines.dbt_plugins.pseudonym import demo_key_file, load_key
    from pipelines.federation.extract import CityExtractKeys, write_city_extract
    from pipelines.release import SigningKeyConfig

    keys = CityExtractKeys.from_env(settings.environment(), paths.keys)
    if keys is None:
        return None
    instance_key = load_key(settings.instance_pseudonym_key or None, demo_key_file(paths))
    with duckdb.connect(str(paths.warehouse), read_only=True, config=warehouse.config()) as con:
        written = write_city_extract(
            con, release_dir, SigningKeyConfig.from_env(signing.environment(), paths.data), keys, instance_key
        )
    return written.name
