"""`python -m bench [--scales 1000000,10000000] [--cities 500] [--smoke] [--work-dir bench/work]
[--repeat N] [--resume] [--again refresh,dashboard]`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.report import run_name, save_json, write_table
from bench.run import AGAIN, bench_scale, measure_again

REPO_ROOT = Path(__file__).resolve().parents[1]
SMOKE = {"scale": 20_000, "members": 200}
EVENTS_PER_MEMBER = 40  # the generator's default density (40 events per member-year)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="1000000,10000000", help="comma-separated activity-event counts")
    parser.add_argument(
        "--smoke", action="store_true", help=f"one tiny scale ({SMOKE['scale']:,} events) with results in the work dir"
    )
    parser.add_argument(
        "--cities", type=int, default=None, help="city groups in the demo federation (default: its named cities)"
    )
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "bench" / "work")
    parser.add_argument(
        "--results-dir", type=Path, default=None, help="default: bench/results (smoke: <work-dir>/results)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="pipeline and baseline runs per scale (the best is kept)")
    parser.add_argument("--query-repeats", type=int, default=20, help="cold-cache renders per dashboard page")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="finish interrupted runs whose data is still in the work dir, from their saved result",
    )
    parser.add_argument(
        "--again",
        default="",
        help="re-measure only these steps (refresh, dashboard) of finished runs still in the work dir",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke:
        scales = [(SMOKE["scale"], SMOKE["members"])]
        explicit = "--work-dir" in (sys.argv if argv is None else argv)
        work_dir = args.work_dir if explicit else Path(tempfile.mkdtemp(prefix="bench-"))
        results_dir = args.results_dir or work_dir / "results"
    else:
        scales = [(int(s), max(200, int(s) // EVENTS_PER_MEMBER)) for s in args.scales.split(",")]
        work_dir, results_dir = args.work_dir, args.results_dir or REPO_ROOT / "bench" / "results"
    work_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def save(result: dict) -> None:
        save_json(result, results_dir)
        write_table(results_dir)

    if args.again:
        steps = args.again.split(",")
        if not set(steps) <= set(AGAIN):
            parser.error(f"--again takes {', '.join(AGAIN)}")
        for scale, _ in scales:
            result = json.loads((results_dir / f"{run_name(scale, args.cities)}.json").read_text())
            progress(f"[{scale:,} events] again: {', '.join(steps)}")
            save(measure_again(result, steps, work_dir, args.query_repeats))
        print(f"results: {results_dir / 'README.md'}")
        return 0

    status = 0
    for scale, members in scales:
        saved = results_dir / f"{run_name(scale, args.cities)}.json"
        resume = json.loads(saved.read_text()) if args.resume and saved.exists() else None
        if resume and resume["status"] == "finished":
            continue
        try:
            bench_scale(
                scale,
                members=members,
                work_dir=work_dir,
                repeat=args.repeat,
                query_repeats=args.query_repeats,
                save=save,
                progress=progress,
                resume=resume,
                cities=args.cities,
            )
        except Exception as error:  # recorded in the result; go on with the next scale
            progress(f"{scale:,} events failed: {error}")
            status = 1
    print(f"results: {results_dir / 'README.md'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
