"""Command line: `python -m demo --inbox data/inbox --seed 7 --members 3000 ...`.

`add_arguments` and `run` are reusable, so the project CLI can mount this as `togetheros demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from demo.generate import generate
from pipelines.settings import Paths


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--inbox", type=Path, default=None, help="inbox folder to (re)write (default: the data directory's inbox/)"
    )
    parser.add_argument("--seed", type=int, default=7, help="same seed, same bytes")
    parser.add_argument("--members", type=int, default=3000, help="people in the federation")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1), help="first day (UTC)")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31), help="last day (UTC)")
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="approximate activity events across sources (default: 40 per member-year)",
    )
    parser.add_argument(
        "--federation",
        type=Path,
        default=None,
        metavar="DIR",
        help="write a hub and three city instances under DIR instead (--members is per city)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--summary", type=Path, default=None, help="also write the summary as JSON here")
    return parser


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    inbox = args.inbox or Paths.from_env(os.environ).inbox

    def report(message: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    if args.federation is not None:
        return _federation(args, report)
    try:
        summary = generate(
            inbox,
            seed=args.seed,
            members=args.members,
            start=args.start,
            end=args.end,
            events=args.events,
            progress=report,
        )
    except ValueError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    if args.summary:
        args.summary.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = ", ".join(f"{source} {count:,}" for source, count in summary["rows"].items())
    print(
        f"demo community in {inbox}: {summary['events']:,} activity events; rows: {rows}; "
        f"{len(summary['defects'])} planted defects"
    )
    return 0


def _federation(args: argparse.Namespace, report) -> int:
    from demo.instances import write_federation

    try:
        summaries = write_federation(
            args.federation, members=args.members, start=args.start, end=args.end, events=args.events, progress=report
        )
    except ValueError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    root = args.federation
    for city, summary in summaries.items():
        print(f"city {city}: {summary['events']:,} activity events in {root / 'cities' / city / 'inbox'}")
    print(f"hub: {root / 'hub' / 'inbox' / 'community' / 'federation.yaml'}; next, for each city:")
    print(f"  togetheros pipeline --data-dir {root}/cities/<city>")
    print(f"then: togetheros federation refresh --data-dir {root}/hub")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="python -m demo", description=__doc__))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
