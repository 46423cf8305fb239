"""The benchmark harness runs end to end at its smoke scale and writes a well-formed result.

Checks shape, not speed: timing assertions would only measure the machine running the tests.
"""

import json

import pytest

STAGES = ("generate", "land", "load", "dbt_build", "quality", "release")
PAGES = ("overview", "participation", "decisions", "treasury", "data_audit")


@pytest.mark.slow
@pytest.mark.timeout(2400)  # the whole pipeline twice (build + refresh): ≈6 min on a quiet 2-core machine
def test_smoke_run_writes_every_stage_and_ratio(tmp_path, monkeypatch):
    from bench.__main__ import SMOKE, main

    # the harness points the pipeline at its work dir through the environment; restore it afterwards
    for name in ("TOGETHEROS_DATA_DIR", "TOGETHEROS_RELEASES_DIR", "TOGETHEROS_PSEUDONYM_KEY"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("TOGETHEROS_PSEUDONYM_KEY", "bench-smoke-key")

    from bench.report import run_name

    # a previous run's data: set aside before this one starts, deleted after its measurements
    leftover = tmp_path / f"events-{run_name(SMOKE['scale'], None)}" / "landing" / "left-over"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("from the run before")

    assert main(["--smoke", "--work-dir", str(tmp_path), "--query-repeats", "3"]) == 0
    assert not leftover.exists() and not (tmp_path / ".set-aside").exists()

    result = json.loads((tmp_path / "results" / f"{SMOKE['scale']}.json").read_text())
    assert result["status"] == "finished"
    for stage in STAGES:
        entry = result["stages"][stage]
        assert entry["seconds"] > 0 and entry["peak_rss_mib"] > 0 and entry["rows"] > 0, stage
    assert set(result["refresh"]["stages"]) == set(STAGES) - {"generate"}
    assert sum(result["refresh"]["rows_added"].values()) > 0
    assert result["lower_bound"]["models"] > 0 and result["lower_bound"]["seconds"] > 0
    assert result["direct_read"]["seconds"] > 0 and result["direct_read"]["group_months"] > 0
    for page in PAGES:
        assert result["dashboard"]["pages"][page]["p95_ms"] > 0, page
        for scope in ("federation", "nation", "city"):  # a visitor's three widths of filter
            assert result["dashboard"]["scopes"][scope]["pages"][page]["p95_ms"] > 0, (scope, page)

    ratios = result["ratios"]
    for name in ("pipeline_vs_lower_bound", "peak_rss_gib", "refresh_vs_full", "page_p95_ms"):
        assert ratios["measured"][name] > 0, name
        assert isinstance(ratios["meets"][name], bool), name
    table = (tmp_path / "results" / "README.md").read_text()
    assert "dbt_build_vs_lower_bound" in table and "| dbt_build |" in table
