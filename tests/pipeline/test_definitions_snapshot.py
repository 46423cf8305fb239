"""The Dagster definitions, pinned: every asset key, its group and dependencies, every asset check
(and whether it blocks), every job, sensor and schedule. A wiring change shows in review as a change
of `definitions.json`; regenerate it with

    uv run python -m tests.pipeline.test_definitions_snapshot
"""

from __future__ import annotations

import json
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("definitions.json")


def definitions_snapshot() -> dict:
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        spec = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {"blocking": spec.blocking}
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(job.name for job in defs.jobs or []),
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
        "schedules": sorted(schedule.name for schedule in defs.schedules or []),
        "resources": sorted(defs.resources or {}),
    }


def render(snapshot: dict) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True) + "\n"


def test_the_definitions_match_the_snapshot():
    actual = render(definitions_snapshot())
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert actual == expected, (
        "the Dagster definitions changed; if that is intended, regenerate the snapshot with "
        "`uv run python -m tests.pipeline.test_definitions_snapshot` and review the diff"
    )


if __name__ == "__main__":
    SNAPSHOT.write_text(render(definitions_snapshot()), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
