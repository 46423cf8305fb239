"""`togetheros`: the command line. `make run` is `togetheros demo`, `pipeline`, then `serve`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import REPO_ROOT, Paths


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo.__main__ import run

    return run(args)


def run_pipeline(data_dir: Path | None = None, engine: str | None = None):
    """Materialize every asset once, in process, against `data_dir` (default: TOGETHEROS_DATA_DIR), with
    dbt on `engine` (default: TOGETHEROS_ENGINE, else DuckDB)."""
    import dagster as dg

    from pipelines.assets.resources import DataDir
    from pipelines.definitions import defs, publication_checks

    if data_dir is not None:
        os.environ["TOGETHEROS_DATA_DIR"] = str(Path(data_dir).resolve())
    if engine is not None:
        os.environ["TOGETHEROS_ENGINE"] = engine
    resources = {**defs.resources, "data_dir": DataDir(path=os.environ.get("TOGETHEROS_DATA_DIR", ""))}
    return dg.materialize(
        [*defs.assets, *publication_checks],
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _pipeline(args: argparse.Namespace) -> int:
    result = run_pipeline(args.data_dir, args.engine)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"pipeline failed in: {', '.join(failed) or 'unknown step'}", file=sys.stderr)
        return 1
    print(f"pipeline finished: release in {Paths.from_env().releases / 'latest'}")
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
    env = {**os.environ, "TOGETHEROS_RELEASES_DIR": str(Paths.from_env().releases)}
    print(f"serving the dashboard on http://localhost:{args.port}")
    return subprocess.call(command, cwd=REPO_ROOT, env=env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="togetheros", description="TogetherOS Transparency pipeline and tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the demo community's native exports into the inbox")
    from pipelines.demo.__main__ import add_arguments

    add_arguments(demo)
    demo.set_defaults(handler=_demo)

    pipeline = commands.add_parser("pipeline", help="materialize every asset once, in process (no server)")
    pipeline.add_argument("--data-dir", type=Path, default=None, help="data directory (default: ./data)")
    pipeline.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default=None,
        help="where dbt builds the models (default: TOGETHEROS_ENGINE, else duckdb; see docs/scaling.md)",
    )
    pipeline.set_defaults(handler=_pipeline)

    serve = commands.add_parser("serve", help="serve the public dashboard over the latest release")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(handler=_serve)

    # listed for --help; its own arguments belong to pipelines.release.verify (see main)
    commands.add_parser("verify", help="verify a release: hashes, signature, schemas, figures (PATH [--key] [--chain])")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"]:  # the auditor's verifier parses its own arguments, and needs no Dagster
        from pipelines.release.verify import main as verify

        return verify(argv[1:])
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
