"""Crash safety: `kill -9` the pipeline at random points of every stage, then run it again.

`python -m bench.crash [--rounds 20] [--seed 1] [--work-dir DIR]` generates a tiny demo community,
runs the pipeline once cleanly (the reference), then for each round starts `togetheros pipeline` in a
subprocess, waits until the round's stage has begun (its Dagster step has started: landing, raw load,
dbt, checks, release, promotion, in turn), sleeps a random part of that stage's usual length and sends
SIGKILL to the pipeline process (only to it, as the kernel's OOM killer would: its dbt child, if any,
is left running). After each kill, `latest` must be absent (no release yet) or a complete release that
verifies; the next run, started with no manual cleanup, must finish, leave no temporary folder, and
publish data files byte-identical to the reference's (with --complete-every N, only every Nth run after
a kill is left to finish; the others are the next round's victims, started from the crash's state).
Results go to bench/results/crash.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pipelines import dbt_changes
from pipelines.settings import Paths

REPO_ROOT = Path(__file__).resolve().parents[1]
# stage -> (prefixes of its Dagster step keys, longest random delay after the step starts, seconds)
STAGES = {
    "landing": (("landing__",), 1.0),
    "raw": (("raw_",), 2.0),
    "dbt": (("dbt_models",), 30.0),
    "checks": (("release__quality_report", "release__release_release_has_no_personal_data"), 4.0),
    "release": (("release__release",), 2.0),
    "promotion": (("release__latest",), 0.05),
}
STEP_START = 'STEP_START - Started execution of step "'
TINY_DEMO = {"seed": 5, "members": 60, "start": date(2026, 1, 1), "end": date(2026, 3, 31), "events": 1000}


@dataclass
class Round:
    stage: str
    delay_s: float
    killed: bool  # False when the run finished before the kill landed
    killed_in_step: str | None
    latest_after_kill: str  # "absent", "verified" or the verifier's problems
    next_run_exit: int | None = None
    next_run_s: float | None = None
    latest_after_next_run: str = ""
    same_data_as_reference: bool = False
    temporary_left: list[str] = field(default_factory=list)
    quarantined: int = 0


def start_pipeline(data_dir: Path, *extra: str) -> subprocess.Popen:
    # this checkout first on the path, for dbt's plugin too: never another checkout the venv points at
    env = os.environ | {"TOGETHEROS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        # --verbose: the watcher follows Dagster's STEP_START lines
        [sys.executable, "-m", "pipelines.cli", "pipeline", "--data-dir", str(data_dir), "--verbose", *extra],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


class StepWatcher:
    """Reads a run's stderr in a thread; remembers the steps started, in order, and keeps the tail."""

    def __init__(self, process: subprocess.Popen):
        self.process, self.steps, self.tail = process, [], []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            with self.changed:
                if STEP_START in line:
                    self.steps.append(line.split(STEP_START, 1)[1].split('"', 1)[0])
                self.tail = [*self.tail[-40:], line.rstrip()]
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for_step(self, prefixes: tuple[str, ...], timeout: float) -> str | None:
        """The first started step whose key is one of the prefixes (or equals one), once it has started."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = next((s for s in self.steps if s.startswith(prefixes)), None)
                if found or self.process.poll() is not None or time.monotonic() > deadline:
                    return found
                self.changed.wait(0.2)

    def current_step(self) -> str | None:
        with self.changed:
            return self.steps[-1] if self.steps else None


def release_state(releases_dir: Path) -> str:
    """'absent' before any release, 'verified' for a complete release, else the verifier's problems."""
    from pipelines.release import verify_release

    link = releases_dir / "latest"
    if not link.is_symlink() and not link.exists():
        return "absent"
    report = verify_release(link)
    return "verified" if report.ok else "; ".join(p.message for p in report.problems)[:500]


def data_hashes(release_dir: Path) -> dict[str, str]:
    data = release_dir / "data"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data.iterdir())}


def temporary_left(releases_dir: Path) -> list[str]:
    return sorted(p.name for p in releases_dir.glob(".*")) if releases_dir.exists() else []


def complete_run(data_dir: Path, timeout: float = 1800) -> tuple[int, float, list[str]]:
    started = time.monotonic()
    process = start_pipeline(data_dir)
    watcher = StepWatcher(process)
    code = process.wait(timeout=timeout)
    watcher.thread.join(5)
    return code, time.monotonic() - started, watcher.tail


def kill_round(
    data_dir: Path, stage: str, rng: random.Random, reference: dict[str, str], complete: bool = True
) -> Round:
    """One crash and (with `complete`) the run after it, left to finish."""
    prefixes, longest = STAGES[stage]
    releases = data_dir / "releases"
    if stage == "dbt":  # on the same inputs dbt has nothing to rebuild: forget its last build so it rebuilds all
        shutil.rmtree(Paths.at(data_dir).warehouse.parent / dbt_changes.STATE_FOLDER, ignore_errors=True)
    process = start_pipeline(data_dir)
    watcher = StepWatcher(process)
    delay = rng.uniform(0, longest)
    step = watcher.wait_for_step(prefixes, timeout=900)
    killed = False
    if step is not None and process.poll() is None:
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed = True
    process.wait()
    watcher.thread.join(5)
    result = Round(stage, round(delay, 3), killed, watcher.current_step() if killed else None, release_state(releases))
    if not complete:  # the next round's run starts from this crash's state
        return result
    code, seconds, tail = complete_run(data_dir)
    result.next_run_exit, result.next_run_s = code, round(seconds, 1)
    if code != 0:
        print("\n".join(tail[-15:]), file=sys.stderr)
    result.latest_after_next_run = release_state(releases)
    latest = releases / "latest"
    result.same_data_as_reference = latest.exists() and data_hashes(latest.resolve()) == reference
    result.temporary_left = temporary_left(releases)
    quarantine = data_dir / "quarantine" / "releases"
    result.quarantined = len([p for p in quarantine.iterdir() if p.is_dir()]) if quarantine.exists() else 0
    return result


def round_ok(r: Round) -> bool:
    if r.next_run_exit is None:  # followed by another killed run: only `latest` is judged
        return r.latest_after_kill in ("absent", "verified")
    return (
        r.latest_after_kill in ("absent", "verified")
        and r.next_run_exit == 0
        and r.latest_after_next_run == "verified"
        and r.same_data_as_reference
        and not r.temporary_left
    )


def prepare(work_dir: Path) -> tuple[Path, dict[str, str], float]:
    """A tiny demo inbox and its reference (clean) run; returns (data dir, data hashes, seconds)."""
    from demo.generate import generate

    data_dir = work_dir / "data"
    generate(data_dir / "inbox", **TINY_DEMO)
    code, seconds, tail = complete_run(data_dir)
    if code != 0:
        raise RuntimeError("the reference run failed:\n" + "\n".join(tail[-20:]))
    return data_dir, data_hashes((data_dir / "releases" / "latest").resolve()), seconds


def run(rounds: int, seed: int, work_dir: Path, progress=print, complete_every: int = 1, save=None) -> dict:
    """The reference run and `rounds` crash rounds; `save(result)` after every round (so far)."""
    rng = random.Random(seed)
    data_dir, reference, reference_s = prepare(work_dir)
    progress(f"reference run {reference_s:.1f} s, {len(reference)} data files")
    order = list(STAGES)
    results = []
    for number in range(rounds):
        stage = order[number % len(order)]
        complete = (number + 1) % complete_every == 0 or number + 1 == rounds
        outcome = kill_round(data_dir, stage, rng, reference, complete)
        results.append(outcome)
        progress(f"round {number + 1}/{rounds} {stage}: {'ok' if round_ok(outcome) else 'FAILED'} {asdict(outcome)}")
        if save is not None:
            save(summary(results, rounds, seed, reference_s, complete_every, order))
    return summary(results, rounds, seed, reference_s, complete_every, order)


def summary(results: list[Round], rounds: int, seed: int, reference_s: float, complete_every: int, order) -> dict:
    by_stage = {
        stage: {
            "rounds": sum(r.stage == stage for r in results),
            "killed": sum(r.stage == stage and r.killed for r in results),
            "ok": sum(r.stage == stage and round_ok(r) for r in results),
        }
        for stage in order
    }
    return {
        "rounds_done": len(results),
        "rounds": rounds,
        "seed": seed,
        "demo": {k: str(v) for k, v in TINY_DEMO.items()},
        "reference_run_s": round(reference_s, 1),
        "complete_every": complete_every,
        "complete_runs_after_a_kill": sum(r.next_run_exit is not None for r in results),
        "killed": sum(r.killed for r in results),
        "ok": sum(round_ok(r) for r in results),
        "by_stage": by_stage,
        "rounds_detail": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--complete-every",
        type=int,
        default=1,
        help="let every Nth run after a kill finish (default 1: each kill is followed by a complete run; "
        "otherwise the next round's run starts from the crash's state and is killed in turn)",
    )
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "bench" / "work" / "crash")
    parser.add_argument("--results", type=Path, default=REPO_ROOT / "bench" / "results" / "crash.json")
    args = parser.parse_args(argv)
    if args.work_dir.exists() and any(args.work_dir.iterdir()):
        parser.error(f"{args.work_dir} is not empty")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    args.results.parent.mkdir(parents=True, exist_ok=True)

    def save(result: dict) -> None:
        result["wall_s"] = round(time.monotonic() - started, 1)
        result["code_commit"] = commit.strip() or os.environ.get("TOGETHEROS_CODE_COMMIT", "")
        args.results.write_text(json.dumps(result, indent=1) + "\n")

    result = run(
        args.rounds,
        args.seed,
        args.work_dir,
        lambda m: print(f"[{time.monotonic() - started:7.1f}s] {m}", flush=True),
        args.complete_every,
        save,
    )
    save(result)
    print(f"{result['ok']}/{result['rounds']} rounds ok ({result['killed']} killed mid-run): {args.results}")
    return 0 if result["ok"] == result["rounds"] else 1


if __name__ == "__main__":
    sys.exit(main())
