import json
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REALDATA = REPO_ROOT.parent / "shared" / "realdata"

# Tests never touch the developer's ./data nor wait on telemetry.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def _import_great_expectations() -> None:
    """GX imports pyspark's Connect client when pyspark is installed, and that client takes a process whose
    __main__ has no file for its own doctest run and exits it: an xdist worker (`python -c`) is such a
    process. So the worker imports GX once here with a file named; the Connect client then fails to import
    (its grpc extras are not installed), which GX expects."""
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is not None or hasattr(main, "__file__"):
        return
    main.__file__ = __file__
    try:
        import great_expectations  # noqa: F401
    finally:
        del main.__file__


_import_great_expectations()


# Seconds each of the longest modules takes in CI (the last CI's --durations with both workers busy, setup
# included, less what later changes cut), so that the longest starts first. Unlisted slow modules follow
# them, then every other module.
SLOWEST_MODULES = {
    "tests/pipeline/test_crash_safety.py": 500,
    # one federation for the lower-bound and the exact hub (two city pipelines, two hubs, four refusal
    # hubs), with the extract's federation tests: about 400 s before them, 480 estimated from a local run
    "tests/federation/test_hub.py": 480,
    # after the demo run it builds on Spark: the same models and data tests again, on a JVM
    "tests/spark/test_spark_parity.py": 300,
    "tests/test_bench_smoke.py": 200,
    "tests/pipeline/test_pipeline.py": 170,
    "tests/privacy/test_visibility_rules.py": 150,
    "tests/dashboards/test_serving_under_promotion.py": 150,
    "tests/pipeline/test_incremental_refresh.py": 140,
    "tests/metrics/test_treasury_books.py": 140,
    "tests/pipeline/test_refuse_empty.py": 130,
    "tests/pipeline/test_bad_files.py": 120,
    "tests/metrics/test_treasury_assertions.py": 100,
    "tests/privacy/test_ledger_release.py": 95,
    "tests/pipeline/test_start_with_what_you_have.py": 90,
}


def pytest_configure(config):
    # xdist would otherwise hand out the files with the most tests first, whatever the order below
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    """Tests that run whole pipelines (marked slow) first, longest first: `make test` hands whole files
    to two workers (pytest-xdist --dist loadfile), and a long file started last would run alone at the end."""

    def order(item):
        module = Path(str(item.fspath)).relative_to(REPO_ROOT).as_posix()
        return item.get_closest_marker("slow") is None, -SLOWEST_MODULES.get(module, 0)

    items.sort(key=order)


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not SHARED_REALDATA.exists():
        pytest.skip("../shared/realdata is not beside this checkout")
    return SHARED_REALDATA


DEMO = {"seed": 11, "members": 400, "start": date(2025, 11, 1), "end": date(2026, 4, 30)}


@dataclass
class PipelineRun:
    data_dir: Path
    success: bool
    summary: dict

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def release(self) -> Path:
        return (self.data_dir / "releases" / "latest").resolve()


def shared_dir(tmp_path_factory) -> Path:
    """A folder every xdist worker of this test run sees (each worker's own basetemp is below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> PipelineRun:
    """The demo community's whole pipeline run, built once per test run: the first worker to ask builds
    it under a lock, and each worker gets its own copy of the built data dir (tests may rerun or write
    to it without touching another worker's)."""
    from filelock import FileLock

    from demo.generate import generate
    from pipelines.cli import run_pipeline

    built = shared_dir(tmp_path_factory) / "pipeline-run"
    previous = os.environ.get("TOGETHEROS_DATA_DIR")
    with FileLock(f"{built}.lock"):
        if not (built / "run.json").exists():
            summary = generate(built / "data" / "inbox", **DEMO)
            success = run_pipeline(built / "data").success
            (built / "run.json").write_text(json.dumps({"success": success, "summary": summary}))
    data_dir = tmp_path_factory.mktemp("pipeline-run") / "data"
    shutil.copytree(built / "data", data_dir, symlinks=True)
    run = json.loads((built / "run.json").read_text())
    yield PipelineRun(data_dir, run["success"], run["summary"])
    if previous is None:
        os.environ.pop("TOGETHEROS_DATA_DIR", None)
    else:
        os.environ["TOGETHEROS_DATA_DIR"] = previous
