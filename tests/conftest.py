import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REALDATA = REPO_ROOT.parent / "shared" / "realdata"

# Tests never touch the developer's ./data nor wait on telemetry.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def pytest_collection_modifyitems(items):
    """Tests that run whole pipelines (marked slow) first: `make test` hands whole files to two
    workers (pytest-xdist --dist loadfile), and a long file started last would run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not SHARED_REALDATA.exists():
        pytest.skip("../shared/realdata is not beside this checkout")
    return SHARED_REALDATA


DEMO = {"seed": 11, "members": 400, "start": date(2025, 11, 1), "end": date(2026, 4, 30)}


@dataclass
class PipelineRun:
    data_dir: Path
    result: object
    summary: dict

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def release(self) -> Path:
        return (self.data_dir / "releases" / "latest").resolve()


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> PipelineRun:
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("pipeline-data")
    previous = os.environ.get("TOGETHEROS_DATA_DIR")
    summary = generate(data_dir / "inbox", **DEMO)
    result = run_pipeline(data_dir)
    yield PipelineRun(data_dir, result, summary)
    if previous is None:
        os.environ.pop("TOGETHEROS_DATA_DIR", None)
    else:
        os.environ["TOGETHEROS_DATA_DIR"] = previous
