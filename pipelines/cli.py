"""`togetheros`: the command line. `make run` is `togetheros demo`, `pipeline`, then `serve`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

from pipelines.settings import REPO_ROOT, Paths

EXIT_RUN_IN_PROGRESS = 75  # EX_TEMPFAIL: nothing was done, try again later
# a run killed while dbt was building leaves dbt (its child process) finishing on the warehouse for a while
WAREHOUSE_WAIT_SECONDS = 600


def _demo(args: argparse.Namespace) -> int:
    from demo.__main__ import run

    return run(args)


# the Dagster instance under the data dir (`make dev` uses the same): runs one at a time, no telemetry
DAGSTER_YAML = "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 1\n"


def dagster_home(data_dir: Path) -> Path:
    """<data_dir>/dagster_home, with its dagster.yaml: where runs, materializations and checks are kept."""
    home = Path(data_dir) / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.is_file() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    return home


def _close_interrupted_runs(instance) -> None:
    """A command-line run killed mid-way (kill -9, a power cut) stays "started" in the instance: under
    the run lock no other command-line run is going, so it is marked failed (the UI's runs are not)."""
    import dagster as dg

    from pipelines.progress import RUN_TAG

    for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        if RUN_TAG in run.tags:
            instance.report_run_failed(run, "interrupted: the process running it stopped (see docs/run-safety.md)")


def run_pipeline(
    data_dir: Path | None = None,
    wait_seconds: float = 0.0,
    *,
    verbose: bool = True,
    allow_empty: bool = False,
    progress=None,
    engine: str | None = None,
    quality_full: bool = False,
):
    """Materialize every asset once, in process, against `data_dir` (default: TOGETHEROS_DATA_DIR, else
    ./data); every other setting comes from the environment (`build_definitions`). The run is recorded
    in the Dagster instance under the data dir (`dagster_home`). Dagster's console log is at DEBUG with
    `verbose`, else warnings only; `progress` (a StageReporter) gets one line per stage; `engine` is what
    dbt builds on (`DbtEngine`; default: TOGETHEROS_ENGINE, else DuckDB); `quality_full` validates every
    public dataset anew (`QualityChecks`; default: TOGETHEROS_QUALITY_FULL, else only the changed ones).

    Holds the data directory's run lock throughout (a run in progress is waited for up to `wait_seconds`,
    then `RunInProgress` is raised and nothing is touched), and first clears what an interrupted run left."""
    import uuid

    import dagster as dg

    from pipelines.assets.resources import DataDir, DbtEngine, Publishing, QualityChecks
    from pipelines.definitions import build_definitions, release_checks
    from pipelines.progress import RUN_TAG, RunFollower
    from pipelines.release.quarantine import clean_releases
    from pipelines.runlock import run_lock, wait_for_warehouse

    overrides = {"data_dir": DataDir(path=str(Path(data_dir).resolve()))} if data_dir is not None else {}
    if allow_empty:
        overrides["publishing"] = Publishing(allow_empty=True)
    if engine is not None:
        overrides["engine"] = DbtEngine(name=engine)
    if quality_full:
        overrides["quality"] = QualityChecks(full=True)
    defs = build_definitions(overrides, os.environ)
    paths = defs.resources["data_dir"].paths()
    with run_lock(paths.data, wait_seconds):
        wait_for_warehouse(paths.warehouse, WAREHOUSE_WAIT_SECONDS, defs.resources["warehouse"].config())
        cleaned = clean_releases(paths.releases, paths.quarantine)
        if cleaned.temporary or cleaned.unpromoted:
            print(
                f"cleaned after an interrupted run: {len(cleaned.temporary)} temporary item(s) removed, "
                f"{len(cleaned.unpromoted)} unpromoted release(s) moved to {paths.quarantine}",
                file=sys.stderr,
            )
        instance = dg.DagsterInstance.from_config(str(dagster_home(paths.data)))
        _close_interrupted_runs(instance)
        token = uuid.uuid4().hex
        follower = RunFollower(instance, token, progress) if progress is not None else None
        if follower:
            follower.start()
        # dagster-dbt copies dbt's whole log to stdout (~800 lines on the demo): shown with verbose only
        try:
            with open(os.devnull, "w") as devnull, nullcontext() if verbose else redirect_stdout(devnull):
                return dg.materialize(
                    [*defs.assets, *release_checks],
                    resources=defs.resources,
                    instance=instance,
                    raise_on_error=False,
                    tags={RUN_TAG: token},
                    run_config={"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}},
                )
        finally:
            if follower:
                follower.stop()


def _pipeline(args: argparse.Namespace) -> int:
    from pipelines.preflight import inbox_problem
    from pipelines.progress import StageReporter, summary
    from pipelines.runlock import RunInProgress

    data_dir = args.data_dir.resolve() if args.data_dir else Paths.from_env(os.environ).data
    problem = inbox_problem(data_dir, os.environ, args.allow_empty)
    if problem:  # before anything runs: a mistyped --data-dir must not publish an empty release
        print(f"pipeline {problem}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        result = run_pipeline(
            args.data_dir,
            args.wait,
            verbose=args.verbose,
            allow_empty=args.allow_empty,
            progress=StageReporter(),
            engine=args.engine,
            quality_full=args.quality_full,
        )
    except RunInProgress as refused:
        print(f"pipeline {refused}", file=sys.stderr)
        return EXIT_RUN_IN_PROGRESS
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        failed += [
            e.step_key
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
        ]
        print(f"pipeline failed in: {', '.join(failed) or 'unknown step'}", file=sys.stderr)
        for event in result.all_events:  # why, for a step that says (a refused empty release does)
            error = event.event_specific_data.error if event.is_step_failure else None
            if error is not None and error.cls_name == "Failure":
                print(f"  {event.step_key}: {error.message.strip()}", file=sys.stderr)
        return 1
    paths = Paths.at(args.data_dir) if args.data_dir else Paths.from_env(os.environ)
    for line in summary((paths.releases / "latest").resolve(), time.monotonic() - started):
        print(line)
    return 0


def _spark_build(args: argparse.Namespace) -> int:
    """dbt on Apache Spark over the raw tables a pipeline run loaded (docs/scaling.md)."""
    from pipelines.spark import build, spark_dbt_vars

    data_dir = args.data_dir.resolve() if args.data_dir else Paths.from_env(os.environ).data
    if not Paths.at(data_dir).warehouse.is_file():
        print(f"no warehouse under {data_dir}: run `togetheros pipeline` first (it loads raw)", file=sys.stderr)
        return 2
    dbt_vars = json.loads(args.vars) if args.vars else spark_dbt_vars(data_dir, os.environ)
    if args.master is None:
        from pipelines.assets.resources import configured_resources

        args.master = configured_resources(os.environ)["engine"].spark_master
    started = time.monotonic()
    result = build(data_dir, dbt_vars, os.environ, full_refresh=args.full_refresh, master=args.master)
    for name, status in sorted(result.failures.items()):
        print(f"{status}: {name}", file=sys.stderr)
    print(
        f"spark: {result.models} models in {time.monotonic() - started:.0f} s ("
        + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in result.seconds.items())
        + f"); {len(result.public)} public datasets "
        f"under {data_dir / 'spark' / 'public'}" + ("" if result.success else "; FAILED")
    )
    return 0 if result.success else 1


def _dev(args: argparse.Namespace) -> int:
    """The Dagster UI over the instance `togetheros pipeline` records its runs in."""
    data_dir = args.data_dir.resolve() if args.data_dir else Paths.from_env(os.environ).data
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home(data_dir)), "TOGETHEROS_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "--port", str(args.port)]
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


def _init(args: argparse.Namespace) -> int:
    from pipelines.sources.limits import Limits
    from pipelines.spaces import write_templates

    inbox = (args.data_dir.resolve() if args.data_dir else Paths.from_env(os.environ).data) / "inbox"
    if not inbox.is_dir():
        print(f"no inbox at {inbox}: put the community's exports under {inbox}/<source>/ first", file=sys.stderr)
        return 1
    for line in write_templates(inbox, Limits.from_env(os.environ)):
        print(line)
    return 0


def _serve(args: argparse.Namespace) -> int:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboards" / "app.py"),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
    ]
    from dashboards.files import FILES_URL_ENV, start

    releases = Paths.from_env(os.environ).releases
    # the releases as static files beside the dashboard, at stable addresses (docs/auditor-guide.md)
    files_port = args.files_port or args.port + 1
    try:
        files = start(releases, "", files_port)
    except OSError as error:
        print(f"cannot serve the release files on port {files_port} ({error}): choose --files-port", file=sys.stderr)
        return 1
    files_url = args.files_url or f"http://localhost:{files.server_address[1]}"
    env = {**os.environ, "TOGETHEROS_RELEASES_DIR": str(releases), FILES_URL_ENV: files_url}
    print(f"serving the dashboard on http://localhost:{args.port}")
    print(f"serving the release files on {files_url}/releases/latest/ (and /releases/<id>/, /releases/latest.zip)")
    dashboard = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    # stopped with SIGTERM (a service manager, a test), stop the dashboard too: it would outlive us
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return dashboard.wait()
    finally:
        if dashboard.poll() is None:
            dashboard.terminate()
            try:
                dashboard.wait(timeout=10)
            except subprocess.TimeoutExpired:
                dashboard.kill()
                dashboard.wait()
        files.shutdown()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="togetheros", description="TogetherOS Transparency pipeline and tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the demo community's native exports into the inbox")
    from demo.__main__ import add_arguments

    add_arguments(demo)
    demo.set_defaults(handler=_demo)

    pipeline = commands.add_parser("pipeline", help="materialize every asset once, in process (no server)")
    pipeline.add_argument("--data-dir", type=Path, default=None, help="data directory (default: ./data)")
    pipeline.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if another run holds the data directory, wait this long for it (default: refuse at once)",
    )
    pipeline.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish even an empty inbox, or a release with no data rows (a deliberate empty release; "
        "the data folder must exist)",
    )
    pipeline.add_argument("--verbose", action="store_true", help="print Dagster's whole log (DEBUG) too")
    pipeline.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        default=None,
        help="what dbt builds the models on (default: TOGETHEROS_ENGINE, else duckdb); the release is the same",
    )
    pipeline.add_argument(
        "--quality-full",
        action="store_true",
        help="run the data-quality suites over every public dataset, reusing no earlier result "
        "(default: TOGETHEROS_QUALITY_FULL, else only the datasets whose content or checks changed)",
    )
    pipeline.set_defaults(handler=_pipeline)

    spark = commands.add_parser(
        "spark-build", help="build every dbt model on a local Apache Spark from the loaded raw tables"
    )
    spark.add_argument("--data-dir", type=Path, default=None, help="data directory (default: ./data)")
    spark.add_argument("--full-refresh", action="store_true", help="build the incremental models whole too")
    spark.add_argument(
        "--master", default=None, help="the Spark session's master (default: TOGETHEROS_SPARK_MASTER, else local[2])"
    )
    spark.add_argument("--vars", default=None, help="dbt's --vars as JSON (default: from the environment's settings)")
    spark.set_defaults(handler=_spark_build)

    dev = commands.add_parser("dev", help="the Dagster UI (runs, checks, schedule, sensors) over the data dir")
    dev.add_argument("--data-dir", type=Path, default=None, help="data directory (default: ./data)")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(handler=_dev)

    init = commands.add_parser(
        "init", help="write the community folder's templates (groups, space_groups) with the inbox's space ids"
    )
    init.add_argument("--data-dir", type=Path, default=None, help="data directory (default: ./data)")
    init.set_defaults(handler=_init)

    serve = commands.add_parser("serve", help="serve the public dashboard over the latest release")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument(
        "--files-port", type=int, default=None, help="port of the release files server (default: --port + 1)"
    )
    serve.add_argument(
        "--files-url",
        default=None,
        help="public address of the release files, shown on the dashboard "
        "(default: http://localhost:<files-port>; set it behind a proxy)",
    )
    serve.set_defaults(handler=_serve)

    # listed for --help; its own arguments belong to pipelines.release.verify (see main)
    commands.add_parser(
        "verify",
        help="verify a release: hashes, signature, schemas, figures (PATH [--key] [--chain] | "
        "HUB_RELEASE --federation --member NAME=PLACE ...)",
    )
    commands.add_parser("federation", help="a hub over member instances' releases (refresh | status)")
    commands.add_parser("rotate-key", help="hand the releases over to a new signing key (--old-key SEED_FILE)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"] and "--federation" in argv:  # a hub release and the member releases it cites
        from pipelines.federation.audit import main as verify_federation

        return verify_federation([a for a in argv[1:] if a != "--federation"])
    if argv[:1] == ["verify"]:  # the auditor's verifier parses its own arguments, and needs no Dagster
        from pipelines.release.verify import main as verify

        return verify(argv[1:])
    if argv[:1] == ["federation"]:  # the hub's commands parse their own arguments
        from pipelines.federation.cli import main as federation

        return federation(argv[1:])
    if argv[:1] == ["rotate-key"]:
        from pipelines.release.signing import rotate_key_main

        return rotate_key_main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
