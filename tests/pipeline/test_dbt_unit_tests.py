"""The dbt unit tests (given rows → expected rows for every metric formula). The pipeline leaves them
out of its builds, since they do not depend on the data; they run here, once, against the warehouse
the whole-pipeline run built (dbt needs the upstream tables' column types)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR

DBT = Path(sys.executable).with_name("dbt")


def test_every_metric_formula_passes_its_dbt_unit_tests(pipeline_run, tmp_path):
    env = {**os.environ, "TOGETHEROS_DATA_DIR": str(pipeline_run.data_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [
            str(DBT),
            "test",
            "--select",
            "test_type:unit",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    passed = int(re.search(r"PASS=(\d+)", result.stdout).group(1))
    assert passed >= 30 and "ERROR=0" in result.stdout
