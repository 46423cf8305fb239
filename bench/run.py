"""One scale, end to end: generate, the pipeline stage by stage, the baselines, the dashboard queries and
a one-day incremental refresh. The result is saved after every step, so a long run leaves numbers behind."""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from bench import baselines, dashboard, incremental
from bench.report import run_name
from bench.stages import STAGES, Pipeline
from bench.timing import MIB, measure

START, END = date(2025, 11, 1), date(2026, 10, 31)
SEED = 7
GIB = 1 << 30
TARGETS = {"pipeline_vs_lower_bound": 1.5, "peak_rss_gib": 4.0, "refresh_vs_full": 0.05, "page_p95_ms": 100.0}


SET_ASIDE = ".set-aside"  # in the work dir: what the next measurement must not wait for the disk to delete


def _set_aside(path: Path, work_dir: Path) -> None:
    """Moved out of the way by a rename, and deleted after the measurements (`_delete_set_aside`): on this
    disk (ext4 mounted with `discard`) deleting the 900,000 files of a 10M run slowed the file writes after
    it (the generator, the landing) 2 to 3 times for minutes."""
    if path.exists():
        trash = work_dir / SET_ASIDE
        trash.mkdir(parents=True, exist_ok=True)
        os.replace(path, trash / f"{path.name}-{time.time_ns()}")


def _delete_set_aside(work_dir: Path) -> None:
    shutil.rmtree(work_dir / SET_ASIDE, ignore_errors=True)


def _reset_outputs(data_dir: Path, work_dir: Path) -> None:
    """Everything the pipeline writes, so a repetition starts from the inbox again."""
    for folder in ("landing", "warehouse", "releases"):
        _set_aside(data_dir / folder, work_dir)


def _counts(data_dir: Path) -> dict:
    with duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        read, accepted, quarantined, files = con.execute(
            "select sum(rows_read), sum(rows_accepted), sum(rows_quarantined), count(distinct landing_sha256)"
            " from raw.load_log"
        ).fetchall()[0]
        public = con.execute("select sum(estimated_size) from duckdb_tables() where schema_name = 'public'").fetchall()[
            0
        ][0]
    inbox_bytes = sum(p.stat().st_size for p in (data_dir / "inbox").rglob("*") if p.is_file())
    return {
        "raw_rows_read": int(read),
        "raw_rows_accepted": int(accepted),
        "raw_rows_quarantined": int(quarantined),
        "landing_files": int(files),
        "public_rows": int(public or 0),
        "inbox_mib": inbox_bytes / MIB,
    }


def _stage_entry(measured, rows: int, failed_checks: list[str] | None = None) -> dict:
    entry = {
        "seconds": measured.seconds,
        "peak_rss_mib": measured.peak_rss_mib,
        "rows": rows,
        "rows_per_second": rows / measured.seconds if measured.seconds else None,
    }
    if failed_checks:
        entry["failed_checks"] = failed_checks
    return entry


def _pipeline_stages(pipeline: Pipeline, data_dir: Path, snapshot: Path | None) -> dict:
    """Every stage once, in order; `snapshot` receives a copy of the warehouse right after the raw load."""
    timings = {}
    for stage in STAGES:
        timings[stage] = measure(lambda stage=stage: pipeline.run(stage))
        if stage == "load" and snapshot is not None:
            shutil.copy(data_dir / "warehouse" / "warehouse.duckdb", snapshot)
    return timings


def bench_scale(
    scale: int,
    *,
    members: int,
    work_dir: Path,
    repeat: int,
    query_repeats: int,
    save: Callable[[dict], None],
    progress: Callable[[str], None],
    resume: dict | None = None,
    cities: int | None = None,
) -> dict:
    """One scale from scratch, or, given the saved result of an interrupted run (`resume`) whose data is
    still in the work dir, the steps it had not finished."""
    data_dir = (work_dir / f"events-{run_name(scale, cities)}").resolve()
    if resume is None:
        _set_aside(data_dir, work_dir)
        data_dir.mkdir(parents=True)
    result: dict = resume or {
        "scale_events": scale,
        "members": members,
        "cities": cities,  # None: the demo's named cities only
        "seed": SEED,
        "period": [START.isoformat(), END.isoformat()],
        "repeat": repeat,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "memory_gib": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / GIB,
        },
        "stages": {},
        "status": "running",
    }

    try:
        _bench(result, data_dir, work_dir, query_repeats, save, progress)
    except Exception as error:
        result["status"] = f"failed: {type(error).__name__}: {error}"
        save(result)
        raise
    finally:
        _delete_set_aside(work_dir)
    return result


def _bench(
    result: dict,
    data_dir: Path,
    work_dir: Path,
    query_repeats: int,
    save: Callable[[dict], None],
    progress: Callable[[str], None],
) -> None:
    """Every step not already in `result` (all of them for a new run)."""
    scale, repeat = result["scale_events"], result["repeat"]

    def step(name: str) -> None:
        progress(f"[{scale:,} events] {name}")
        save(result)

    if "pipeline_seconds" not in result:
        _generate_and_run(result, data_dir, work_dir, step)

    if "direct_read" not in result:
        step("baseline: DuckDB reading the inbox files directly")
        result["direct_read"] = min(
            (baselines.direct_read(data_dir / "inbox") for _ in range(repeat)), key=lambda r: r["seconds"]
        )

    if "dashboard" not in result:
        step("dashboard page queries")
        result["dashboard"] = dashboard.page_latency(data_dir / "releases", query_repeats)

    if "refresh" not in result:
        step("incremental refresh: one new day")
        result["refresh"] = _refresh(data_dir, incremental.next_day(END))
    result["ratios"] = ratios(result)
    result["status"] = "finished"
    step("done")


def _generate_and_run(result: dict, data_dir: Path, work_dir: Path, step: Callable[[str], None]) -> None:
    """Generate the scale, run the pipeline stage by stage (best of `repeat`), then the lower bound over
    the warehouse as the raw load left it."""
    scale, members, repeat = result["scale_events"], result["members"], result["repeat"]
    from demo.generate import generate

    step("generate")
    generated = measure(
        lambda: generate(
            data_dir / "inbox",
            seed=SEED,
            members=members,
            start=START,
            end=END,
            events=scale,
            cities=result.get("cities"),
        )
    )
    source_rows = sum(generated.value["rows"].values())
    result["generated"] = {"events": generated.value["events"], "rows": generated.value["rows"]}
    result["stages"]["generate"] = _stage_entry(generated, source_rows)

    step("import the Dagster definitions")
    imported = measure(lambda: Pipeline(data_dir))
    pipeline = imported.value
    result["import_seconds"] = imported.seconds

    snapshot = work_dir / f"raw-{scale}.duckdb"
    best: dict[str, object] = {}
    for attempt in range(repeat):
        step(f"pipeline, stage by stage ({attempt + 1}/{repeat})")
        _reset_outputs(data_dir, work_dir)
        for stage, measured in _pipeline_stages(pipeline, data_dir, snapshot).items():
            if stage not in best or measured.seconds < best[stage].seconds:
                best[stage] = measured
    counts = _counts(data_dir)
    result["counts"] = counts
    stage_rows = {
        "land": source_rows,
        "load": counts["raw_rows_read"],
        "dbt_build": counts["raw_rows_accepted"],
        "quality": counts["public_rows"],
        "release": counts["public_rows"],
    }
    for stage in STAGES:
        result["stages"][stage] = _stage_entry(best[stage], stage_rows[stage], best[stage].value)

    step("baseline: dbt compile (untimed) and the plain-SQL lower bound")
    manifest = baselines.compile_dbt(data_dir, work_dir / f"dbt-target-{scale}")
    result["lower_bound"] = min(
        (baselines.lower_bound(manifest, snapshot, work_dir, data_dir) for _ in range(repeat)),
        key=lambda r: r["seconds"],
    )
    snapshot.unlink()
    # last: a result with these is one whose pipeline and lower bound are complete (see `resume`)
    result["pipeline_seconds"] = sum(result["stages"][s]["seconds"] for s in STAGES)
    result["total_seconds"] = result["pipeline_seconds"] + result["stages"]["generate"]["seconds"]


def _refresh(data_dir: Path, day) -> dict:
    """One new day into the inbox, then every stage again."""
    added = incremental.add_day(data_dir / "inbox", day, (END - START).days + 1)
    refresh = _pipeline_stages(Pipeline(data_dir), data_dir, None)
    return {
        "day": day.isoformat(),
        "rows_added": added,
        "stages": {stage: {"seconds": m.seconds, "peak_rss_mib": m.peak_rss_mib} for stage, m in refresh.items()},
        "seconds": sum(m.seconds for m in refresh.values()),
    }


AGAIN = ("refresh", "dashboard")


def measure_again(result: dict, steps: list[str], work_dir: Path, query_repeats: int) -> dict:
    """Steps of a finished run again, on the data it left in the work dir (after a change to what they
    measure, without rebuilding the scale): a refresh adds the day after the last one added."""
    data_dir = (work_dir / f"events-{run_name(result['scale_events'], result.get('cities'))}").resolve()
    if "refresh" in steps:
        last = date.fromisoformat(result["refresh"]["day"]) if "refresh" in result else END
        result["refresh"] = _refresh(data_dir, incremental.next_day(last))
    if "dashboard" in steps:
        result["dashboard"] = dashboard.page_latency(data_dir / "releases", query_repeats)
    result["ratios"] = ratios(result)
    return result


def ratios(result: dict) -> dict:
    stages = result["stages"]
    dbt_seconds = stages["dbt_build"]["seconds"]
    lower = result["lower_bound"]
    pages = result["dashboard"]["pages"]
    measured = {
        # the target: the whole pipeline against the same reading and transforming done by plain
        # DuckDB, i.e. the direct read of the inputs plus the compiled SQL in one connection
        "pipeline_vs_lower_bound": result["pipeline_seconds"] / (lower["seconds"] + result["direct_read"]["seconds"]),
        "dbt_build_vs_lower_bound": dbt_seconds / lower["seconds"],
        "dbt_build_vs_lower_bound_models_only": dbt_seconds / lower["models_seconds"],
        "land_and_load_vs_direct_read": (stages["land"]["seconds"] + stages["load"]["seconds"])
        / result["direct_read"]["seconds"],
        "peak_rss_gib": max(s["peak_rss_mib"] for s in stages.values()) * MIB / GIB,
        "refresh_vs_full": result["refresh"]["seconds"] / result["pipeline_seconds"],
        "page_p95_ms": max(
            p["p95_ms"]
            for scope in (result["dashboard"].get("scopes") or {"federation": {"pages": pages}}).values()
            for p in scope["pages"].values()
        ),
    }
    return {
        "measured": measured,
        "targets": TARGETS,
        "meets": {name: measured[name] <= limit for name, limit in TARGETS.items()},
    }
