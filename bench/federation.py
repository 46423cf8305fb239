"""Hub refresh time against the number of members (issue 17's measure), on small generated member releases:

    uv run python -m bench.federation --members 3,100 [--work-dir bench/work/federation]

Each member is a signed release (its own key) of groups, treasury_monthly and participation_monthly for
one root and one city group over 12 months; the hub takes them in from folders, then publishes. Prints
one JSON line per size: intake seconds (first time, every release verified), publish seconds, and the
intake seconds of a second refresh with nothing new."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import yaml

from pipelines.federation.config import load_config
from pipelines.federation.hub import intake_member, publish_hub
from pipelines.release import SigningKeyConfig, write_release
from pipelines.settings import REPO_ROOT, Paths

MONTHS = [date(2026, m, 1) for m in range(1, 13)]
DOCS = {
    "groups": {
        "description": "Groups.",
        "primary_key": ["group_id"],
        "columns": {"group_id": "Id.", "name": "Name.", "level": "Level.", "parent_id": "Parent."},
    },
    "treasury_monthly": {
        "description": "Money per month.",
        "primary_key": ["group_id", "month", "currency"],
        "columns": {"group_id": "G.", "month": "M.", "currency": "C.", "inflow_minor": "In.", "outflow_minor": "Out."},
    },
    "participation_monthly": {
        "description": "Active members.",
        "primary_key": ["group_id", "month"],
        "people_counts": ["active_members"],
        "columns": {"group_id": "G.", "month": "M.", "active_members": "N.", "is_suppressed": "S."},
    },
}


def member_release(folder: Path, index: int, key: SigningKeyConfig) -> None:
    groups = ["root", "city"]
    tables = {
        "groups": pa.table(
            {"group_id": groups, "name": ["Root", "City"], "level": ["regional", "local"], "parent_id": [None, "root"]}
        ),
        "treasury_monthly": pa.table(
            {
                "group_id": [g for g in groups for _ in MONTHS],
                "month": MONTHS * 2,
                "currency": ["EUR"] * 24,
                "inflow_minor": pa.array([1000 * index + m for m in range(24)], pa.int64()),
                "outflow_minor": pa.array([10 * m for m in range(24)], pa.int64()),
            }
        ),
        "participation_monthly": pa.table(
            {
                "group_id": [g for g in groups for _ in MONTHS],
                "month": MONTHS * 2,
                "active_members": pa.array([None if (index + m) % 5 == 0 else 5 + m for m in range(24)], pa.int64()),
                "is_suppressed": [(index + m) % 5 == 0 for m in range(24)],
            }
        ),
    }
    write_release(
        tables,
        releases_dir=folder,
        dataset_docs=DOCS,
        metrics=[],
        lineage=[],
        quality_report={"status": "passed"},
        recompute_rules=[],
        signing_key=key,
        code_commit="bench",
        engine_versions={},
        data_as_of="2026-12-31T23:59:59Z",
        min_count=5,
        created=datetime(2027, 1, 1, tzinfo=UTC),
    )


def measure(work: Path, count: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    members = []
    for index in range(count):
        key = SigningKeyConfig(seed=index.to_bytes(4, "big") * 8, development=False)
        member_release(work / "members" / f"m{index}", index, key)
        members.append(
            {
                "name": f"m{index}",
                "releases": f"../../../members/m{index}",
                "group": "hub",
                "public_key": key.public_key_file_text(),
                "max_age_days": 3650,
            }
        )
    community = work / "hub" / "inbox" / "community"
    community.mkdir(parents=True)
    document = {
        "hub": {"name": "Bench"},
        "groups": [{"id": "hub", "name": "Hub", "level": "global"}],
        "members": members,
    }
    (community / "federation.yaml").write_text(yaml.safe_dump(document))
    config, paths = load_config(community / "federation.yaml"), Paths(work / "hub")
    started = time.monotonic()
    outcomes = [intake_member(config, paths, m.name).outcome for m in config.members]
    intake = time.monotonic() - started
    started = time.monotonic()
    publish_hub(config, paths, SigningKeyConfig(seed=bytes(32), development=False), 5)
    publish = time.monotonic() - started
    started = time.monotonic()
    again = [intake_member(config, paths, m.name).outcome for m in config.members]
    unchanged = time.monotonic() - started
    assert set(outcomes) == {"accepted"} and set(again) == {"unchanged"}, (outcomes, again)
    return {
        "members": count,
        "intake_s": round(intake, 2),
        "publish_s": round(publish, 2),
        "intake_unchanged_s": round(unchanged, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="3,100", help="comma-separated member counts")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "bench" / "work" / "federation")
    args = parser.parse_args(argv)
    for count in (int(c) for c in args.members.split(",")):
        print(json.dumps(measure(args.work_dir / str(count), count)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
