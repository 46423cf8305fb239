"""`python -m bench.limits [--work-dir DIR] [--cases line,big,bomb,deep]`: peak resident memory of the
raw load (landing + `load_source`, default limits) for the input shapes that once grew it without
bound, each beside a small good file of its source, each in its own process. Writes
bench/results/limits.json. The budget is 4 GiB.

Cases: one 500 MB line in a TogetherOS NDJSON table (7.9 GB before the line limit), a 2 GB NDJSON
file of junk lines (streamed, every line quarantined), a ZIP bomb (a Decidim archive whose member
expands to 4 GiB of zeros), and a Discourse page nested 10^6 levels deep.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench.memory import tree_rss_bytes

REPO_ROOT = Path(__file__).resolve().parents[1]
BUDGET = 4 * 1024**3
MiB = 1024 * 1024
CASES = ("line", "big", "bomb", "deep")
GOOD_NDJSON = b'{"group_id": "g1", "name": "City", "level": "local", "parent_id": null}\n'


def _write_repeated(path: Path, head: bytes, unit: bytes, size: int, tail: bytes = b"") -> None:
    with path.open("wb") as out:
        out.write(head)
        written = len(head)
        block = unit * max(1, (4 * MiB) // len(unit))
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            written += len(piece)
        out.write(tail)


def make_case(case: str, inbox: Path) -> str:
    """Write the case's inbox; return its source."""
    if case == "line":
        folder = inbox / "togetheros"
        folder.mkdir(parents=True)
        (folder / "groups.ndjson").write_bytes(GOOD_NDJSON)
        _write_repeated(folder / "proposals.ndjson", b'{"proposal_id": "', b"x", 500 * 1000 * 1000, b'"}\n')
        return "togetheros"
    if case == "big":
        folder = inbox / "togetheros"
        folder.mkdir(parents=True)
        (folder / "groups.ndjson").write_bytes(GOOD_NDJSON)
        line = b"junk " * 800 + b"\n"  # 4 KB lines that are not JSON
        _write_repeated(folder / "proposals.ndjson", b"", line, 2 * 1000 * 1000 * 1000)
        return "togetheros"
    if case == "bomb":
        folder = inbox / "decidim"
        folder.mkdir(parents=True)
        with zipfile.ZipFile(folder / "bomb-open-data.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("bomb-open-data-proposals.csv", "w", force_zip64=True) as member:
                zeros = bytes(4 * MiB)
                for _ in range(1024):  # 4 GiB
                    member.write(zeros)
        return "decidim"
    if case == "deep":
        folder = inbox / "discourse"
        folder.mkdir(parents=True)
        depth = 1_000_000
        (folder / "t_1.json").write_bytes(b'{"post_stream": {"posts": ' + b"[" * depth + b"]" * depth + b"}}")
        return "discourse"
    raise ValueError(case)


def run_one(case: str, work: Path) -> dict:
    """In this process: land and load the case's inbox; print what became of each file."""
    import duckdb

    from pipelines.landing import land_inbox
    from pipelines.raw import load_source
    from pipelines.settings import duckdb_config

    source = make_case(case, work / "inbox")
    started = time.monotonic()
    landed, _ = land_inbox(work / "inbox", work / "landing", source)
    with duckdb.connect(str(work / "warehouse.duckdb"), config=duckdb_config(os.environ)) as con:
        load_source(con, source, landed, work / "landing")
        outcomes = con.execute(
            "select file_name, outcome, rule, rows_accepted, rows_quarantined from raw.file_outcomes order by 1"
        ).fetchall()
    return {
        "case": case,
        "source": source,
        "seconds": round(time.monotonic() - started, 1),
        "outcomes": outcomes,
        "self_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # KiB on Linux
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.limits", description=__doc__)
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "bench" / "work" / "limits")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "bench" / "results" / "limits.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.work_dir)))
        return 0
    results = []
    for case in args.cases.split(","):
        work = args.work_dir / case
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.limits", "--one", case, "--work-dir", str(work)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        peak = 0
        while process.poll() is None:  # the child's whole process tree, sampled
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            result = {"case": case, "error": stderr[-2000:]}
        else:
            result = json.loads(stdout.strip().splitlines()[-1])
        peak = max(peak, result.get("self_maxrss_bytes", 0))
        result["peak_rss_bytes"] = peak
        result["peak_rss_gib"] = round(peak / 1024**3, 3)
        result["under_budget"] = peak < BUDGET
        results.append(result)
        print(json.dumps(result), flush=True)
        shutil.rmtree(work, ignore_errors=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"budget_bytes": BUDGET, "cases": results}, indent=1) + "\n")
    return 0 if all(r.get("under_budget") and "error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
