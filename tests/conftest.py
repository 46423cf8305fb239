import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REALDATA = REPO_ROOT.parent / "shared" / "realdata"

# Tests never touch the developer's ./data nor wait on telemetry.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not SHARED_REALDATA.exists():
        pytest.skip("../shared/realdata is not beside this checkout")
    return SHARED_REALDATA
