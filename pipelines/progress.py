"""What `togetheros pipeline` prints: one line per stage as it finishes (progress, what it did, how long),
then a summary read from the published release. Dagster's own log and dbt's (1,916 lines, 1,057 of them
DEBUG, on a tiny demo) are shown only with --verbose; without it a run prints 13 lines, plus warnings.

The lines come from the run's events in the Dagster instance, polled from a thread while the run goes
on in the main one (Dagster wants the main thread for its signal handling)."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg
import pyarrow.compute as pc
import pyarrow.parquet as pq

# stage -> prefixes of its step keys, in run order; the longest matching prefix wins (the privacy
# check's step key starts with the release's)
STAGES = (
    ("landing", ("landing__",)),
    ("raw load", ("raw_", "load_")),
    ("dbt", ("dbt_models",)),
    ("quality", ("release__quality_report",)),
    ("release", ("release__release",)),
    ("privacy", ("release__release_release_has",)),
    ("promotion", ("release__latest",)),
    ("alerts", ("release__alerts",)),
)
EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}
RUN_TAG = "togetheros/run"  # tags the command line's runs, to find this one in the instance


def stage_of(step_key: str) -> str:
    """The stage a step belongs to (a step of no stage is a stage of its own)."""
    matches = [(len(prefix), stage) for stage, prefixes in STAGES for prefix in prefixes if step_key.startswith(prefix)]
    return max(matches)[1] if matches else step_key


@dataclass
class _Stage:
    name: str
    started: float
    ended: float = 0.0
    steps: int = 0
    failed: int = 0
    assets: int = 0
    checks_passed: int = 0
    checks_failed: int = 0

    def line(self) -> str:
        names = [stage for stage, _ in STAGES]
        position = names.index(self.name) + 1 if self.name in names else "?"
        done = [f"{self.assets} asset(s)"]
        if self.checks_passed or self.checks_failed:
            failed = f", {self.checks_failed} FAILED" if self.checks_failed else ""
            done.append(f"{self.checks_passed} check(s) passed{failed}")
        if self.failed:
            done.append(f"{self.failed} step(s) FAILED")
        took = max(0.0, self.ended - self.started)
        return f"[{position}/{len(STAGES)}] {self.name:<10} {', '.join(done):<48} {took:6.1f} s"


@dataclass
class StageReporter:
    """Follows a run's events and prints each stage's line once the next stage starts (or the run ends)."""

    out: TextIO = field(default_factory=lambda: sys.stdout)  # the terminal, even while stdout is muted
    stages: list[_Stage] = field(default_factory=list)

    def event(self, entry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        name = stage_of(event.step_key)
        if not self.stages or self.stages[-1].name != name:
            self._close()
            self.stages.append(_Stage(name, entry.timestamp))
        stage = self.stages[-1]
        stage.ended = max(stage.ended, entry.timestamp)
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            stage.steps += 1
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            stage.failed += 1
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            stage.assets += 1
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            if event.event_specific_data.passed:
                stage.checks_passed += 1
            else:
                stage.checks_failed += 1

    def _close(self) -> None:
        if self.stages:
            print(self.stages[-1].line(), file=self.out, flush=True)

    def finish(self) -> None:
        self._close()
        self.stages.append(_Stage("", 0.0))  # nothing more to close


class RunFollower(threading.Thread):
    """Polls the instance for the events of the run tagged `token` and hands them to a StageReporter."""

    def __init__(self, instance: dg.DagsterInstance, token: str, reporter: StageReporter, interval: float = 0.5):
        super().__init__(name="run-progress", daemon=True)
        self.instance, self.token, self.reporter, self.interval = instance, token, reporter, interval
        self._done = threading.Event()
        self._cursor: str | None = None
        self._run_id: str | None = None

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        if self._run_id is None:
            runs = self.instance.get_runs(filters=dg.RunsFilter(tags={RUN_TAG: self.token}), limit=1)
            if not runs:
                return
            self._run_id = runs[0].run_id
        while True:
            batch = self.instance.get_records_for_run(self._run_id, cursor=self._cursor, of_type=EVENTS, limit=500)
            for record in batch.records:
                self.reporter.event(record.event_log_entry)
            self._cursor = batch.cursor
            if not batch.has_more:
                return

    def stop(self) -> None:
        """Stop polling, read what is left and print the last stage's line."""
        self._done.set()
        self.join()
        self.poll()
        self.reporter.finish()


def summary(release_dir: Path, seconds: float) -> list[str]:
    """The lines after the stages: rows loaded and quarantined, files refused, the release, what next."""
    data = release_dir / "data"
    audit = pq.read_table(data / "load_audit.parquet")
    outcomes = pq.read_table(data / "file_outcomes.parquet")
    refused = pc.sum(pc.equal(outcomes["outcome"], "refused")).as_py() or 0
    accepted = pc.sum(audit["rows_accepted"]).as_py() or 0
    quarantined = pc.sum(audit["rows_quarantined"]).as_py() or 0
    why = " (why: data/quarantine_reasons.csv, data/file_outcomes.csv in the release)" if quarantined or refused else ""
    return [
        f"pipeline finished in {seconds:.0f} s: release {release_dir.name}",
        f"  rows loaded {accepted:,}, rows quarantined {quarantined:,}, files refused {refused:,}" + why,
        f"  release in {release_dir.parent / 'latest'}",
        "  next: `togetheros serve` (the dashboard, http://localhost:8501), "
        f"`togetheros verify {release_dir.parent / 'latest'}`, `make dev` (the runs in the Dagster UI)",
    ]
