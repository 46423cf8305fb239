"""Landing and raw-load assets, one pair per source: inbox files (and API pages, where a source's
API is configured) are landed under their SHA-256, then parsed into typed raw tables."""

import hashlib
import json
import subprocess
import sys
from datetime import timedelta

import dagster as dg
import duckdb

from pipelines.assets.resources import DataDir, InputLimits, Sources, Warehouse
from pipelines.landing import Landing, land_new
from pipelines.privacy import people_cache
from pipelines.privacy.people import PARSED_READERS
from pipelines.raw import conservation_breaches, files_without_outcome, load_source
from pipelines.settings import SOURCES
from pipelines.sources import API_SOURCES, fetcher
from pipelines.sources.contracts import load_contract
from pipelines.sources.http import FetchError


def _fetch_api(source: str, settings, paths, log) -> int:
    """Fetch new API pages for a configured source (`settings`: its `fetch.Settings`, from the
    `Sources` resource); returns how many pages were sunk."""
    module = fetcher(source)
    if not settings.configured:
        return 0
    landing = Landing(paths.landing, source)
    state_path = paths.landing / source / "api_state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    sunk = 0

    def sink(file_name: str, body: bytes, meta: dict) -> None:
        nonlocal sunk
        landing.land_bytes(body, f"api/{file_name}", meta.get("url", source), meta.get("cursor"))
        sunk += 1

    try:
        new_state = module.fetch(settings, sink, state)
    except FetchError as error:
        # keep what was fetched and where to resume, then fail the step
        state_path.write_text(json.dumps(error.state, sort_keys=True))
        raise
    finally:
        landing.flush()
    state_path.write_text(json.dumps(new_state, sort_keys=True))
    log.info(f"{source}: fetched {sunk} API pages")
    return sunk


def _collect_people(paths, source: str) -> subprocess.Popen:
    """`people_cache.fill` for the source in a process of its own: a new interpreter, not a fork (this one
    holds DuckDB connections and Dagster's threads)."""
    fill = "import sys; from pathlib import Path; from pipelines.privacy.people_cache import fill; "
    fill += "fill(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])"
    return subprocess.Popen([sys.executable, "-c", fill, str(paths.landing), str(paths.warehouse.parent), source])


def landing_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["landing", source],
        group_name="ingest",
        kinds={"file"},
        # a source that has landed nothing for a day is late; for two days, stale
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(days=2), warn_window=timedelta(days=1)),
        description=f"{source} files from the inbox{' and its API' if source in API_SOURCES else ''}, "
        "stored unchanged under their SHA-256.",
    )
    def _landing(context: dg.AssetExecutionContext, data_dir: DataDir, sources: Sources) -> dg.MaterializeResult:
        paths = data_dir.paths()
        pages = _fetch_api(source, sources.api(source), paths, context.log) if source in API_SOURCES else 0
        landed = land_new(paths.inbox, paths.landing, source)
        return dg.MaterializeResult(
            metadata={
                "current_files": landed.current_files,
                "new_files": landed.new,
                "api_pages": pages,
                "bytes": landed.bytes,
            }
        )

    return _landing


def raw_asset(source: str) -> dg.AssetsDefinition:
    tables = [contract.table for contract in load_contract(source).values()]
    landing_key = dg.AssetKey(["landing", source])

    @dg.multi_asset(
        name=f"raw_{source}",
        specs=[
            dg.AssetSpec(
                ["raw", table],
                deps=[landing_key],
                group_name="ingest",
                kinds={"duckdb", "polars"},
                description=f"{table}: typed by contracts/sources/{source}.yaml; refused records are quarantined.",
            )
            for table in tables
        ],
        check_specs=[
            dg.AssetCheckSpec(
                "rows_conserved",
                asset=["raw", table],
                description="rows read = rows accepted + rows quarantined, per file",
            )
            for table in tables
        ]
        + [
            dg.AssetCheckSpec(
                "every_file_has_outcome",
                asset=["raw", tables[0]],
                blocking=True,
                description=f"every landed {source} file was loaded or refused with a rule (raw.file_outcomes); "
                "a file with neither would vanish unnoticed, so the release waits",
            )
        ],
    )
    def _raw(
        context: dg.AssetExecutionContext,
        data_dir: DataDir,
        warehouse: Warehouse,
        sources: Sources,
        limits: InputLimits,
    ):
        paths = data_dir.paths()
        landed = Landing(paths.landing, source).current()
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with (
            duckdb.connect(str(paths.warehouse), config=warehouse.config()) as con,
            people_cache.FromTheLoad(paths.warehouse.parent) as from_the_load,
        ):
            # the privacy gate's people of the new files: found by the readers in what they parse, or read
            # on the other core while this one loads them
            new = files_without_outcome(con, source, landed)
            people = _collect_people(paths, source) if new and source not in PARSED_READERS else None
            summary = load_source(
                con,
                source,
                landed,
                paths.landing,
                limits.limits(),
                sources.parsing(source),
                people=from_the_load.add,
            )
            breaches = conservation_breaches(con, source)
            silent = files_without_outcome(con, source, landed)
            refused = con.execute(
                "select file_name, rule, message from raw.file_outcomes where source = ? and outcome = 'refused' "
                "order by file_name",
                [source],
            ).fetchall()
            counts = dict(
                con.execute(
                    "select entity, sum(rows_accepted) from raw.load_log where source = ? group by entity", [source]
                ).fetchall()
            )
        if people is not None and people.wait():  # not lost: the gate reads what the cache lacks itself
            context.log.warning(f"{source}: collecting the people of new files failed; the privacy gate reads them")
        if summary.rows_quarantined:
            context.log.warning(f"{source}: {summary.rows_quarantined} records quarantined (see raw.quarantine)")
        for file_name, rule, message in refused:
            context.log.warning(f"{source}: file {file_name} refused ({rule}): {message}")
        for table in tables:
            entity = table.split("__", 1)[1]
            yield dg.MaterializeResult(
                asset_key=["raw", table],
                metadata={"rows": int(counts.get(entity, 0)), "files_loaded_this_run": summary.files_loaded},
            )
            broken = [b for b in breaches if b[1] == entity]
            yield dg.AssetCheckResult(
                asset_key=["raw", table],
                check_name="rows_conserved",
                passed=not broken,
                metadata={"breaches": dg.MetadataValue.json([list(map(str, b)) for b in broken])},
            )

        yield dg.AssetCheckResult(
            asset_key=["raw", tables[0]],
            check_name="every_file_has_outcome",
            passed=not silent,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "files_without_outcome": dg.MetadataValue.json(silent[:100]),
                "files_refused": len(refused),
            },
        )

    return _raw


landing_assets = [landing_asset(s) for s in SOURCES]
raw_assets = [raw_asset(s) for s in SOURCES]

# Bookkeeping every raw load appends to; dbt reads it for the public load audit.
load_bookkeeping = [
    dg.AssetSpec(
        ["pipeline", table],
        deps=[key for a in raw_assets for key in a.keys],
        group_name="ingest",
        description=description,
    )
    for table, description in (
        ("load_log", "Rows read, accepted and quarantined per file and entity."),
        ("quarantine", "Every refused record with file, record and rule."),
        ("landing_files", "Every landed file by SHA-256."),
        ("file_outcomes", "Every landed file's outcome: loaded, empty, or refused with rule and message."),
    )
]

inbox_job = dg.define_asset_job("ingest_and_publish", selection=dg.AssetSelection.all())


@dg.sensor(job=inbox_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, data_dir: DataDir):
    """Runs the pipeline when a new or changed file appears in data/inbox/."""
    inbox = data_dir.paths().inbox
    files = sorted(p for p in inbox.rglob("*") if p.is_file()) if inbox.exists() else []
    listing = "\n".join(f"{p}\t{p.stat().st_size}\t{p.stat().st_mtime_ns}" for p in files)
    fingerprint = hashlib.sha256(listing.encode()).hexdigest()
    if fingerprint != context.cursor:
        context.update_cursor(fingerprint)
        if files:
            yield dg.RunRequest(run_key=fingerprint)


api_schedule = dg.ScheduleDefinition(
    name="daily_api_refresh", job=inbox_job, cron_schedule="0 4 * * *", default_status=dg.DefaultScheduleStatus.RUNNING
)
