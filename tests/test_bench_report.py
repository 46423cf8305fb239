"""bench.report.write_table over a results folder that also holds the other harnesses' results."""

import json
import shutil
from pathlib import Path

from bench.report import write_table

RESULTS = Path(__file__).parent.parent / "bench" / "results"


def test_table_skips_results_without_a_scale_and_keeps_their_sections(tmp_path):
    for name in ("100000.json", "crash.json", "limits.json", "serving.json", "README.md"):
        shutil.copy(RESULTS / name, tmp_path / name)
    readme = (tmp_path / "README.md").read_text()
    hand_written = readme[readme.index("## Input limits") :]

    table = write_table(tmp_path).read_text()

    assert "## 100,000 events (2,500 members) — finished" in table
    assert "| refresh_vs_full |" in table
    assert table.count("## Input limits") == 1 and table.endswith(hand_written.rstrip("\n") + "\n")
    # the runs no longer in the folder are no longer in the table
    assert "## 1,000,000 events" not in table


def test_a_runs_note_is_written_under_its_section(tmp_path):
    result = json.loads((RESULTS / "100000.json").read_text())
    result["note"] = "Run while four other sessions built their pipelines."
    (tmp_path / "100000.json").write_text(json.dumps(result))

    table = write_table(tmp_path).read_text()

    assert table.rstrip().endswith("Run while four other sessions built their pipelines.")
