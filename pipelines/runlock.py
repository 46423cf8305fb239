"""One pipeline run at a time per data directory: a second run waits for the first, or refuses clearly.

The lock is an advisory `flock` on `<data_dir>/.pipeline.lock`: the kernel releases it when the holder
exits, even on `kill -9`, so a crashed run never leaves a stale lock behind. The file records who holds
it (pid, start time) so the refusal can say so. DuckDB's own file lock would make a second writer fail
midway (and the first with it, if the second got in between two of its steps); this lock is taken
before anything is touched.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".pipeline.lock"
POLL_SECONDS = 0.5


class RunInProgress(RuntimeError):
    """Another pipeline run holds the data directory."""


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another pipeline run"
    return f"pipeline run pid {holder.get('pid')} (started {holder.get('started')})"


@contextmanager
def run_lock(data_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the data directory's run lock for the block; wait up to `wait_seconds` for a run in progress,
    then raise RunInProgress naming it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    handle = path.open("a+")
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                    raise RunInProgress(
                        f"not started: {_holder(path)} is still running on {data_dir}{waited}; "
                        "it is left alone. Run again when it has finished, or wait for it with --wait SECONDS."
                    ) from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.write(json.dumps({"pid": os.getpid(), "started": started}))
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


def wait_for_warehouse(warehouse: Path, wait_seconds: float, config: dict[str, str] | None = None) -> None:
    """Wait until no other process holds the DuckDB warehouse (e.g. the dbt child of a run that was
    killed, still finishing its build); raise RunInProgress naming the holder after `wait_seconds`.

    DuckDB's lock is the kernel's, so a dead process never holds it: only a live one is waited for.
    `config`: the connection's DuckDB settings (`Warehouse.config()`)."""
    import duckdb

    if not warehouse.exists():
        return
    deadline = time.monotonic() + wait_seconds
    while True:
        # dbt opens and closes the file per model, so a free lock alone does not mean it has finished
        builders = _dbt_processes_for(warehouse.parent.parent)
        try:
            if not builders:
                duckdb.connect(str(warehouse), config=config or {}).close()  # replays a left WAL
                return
            holder = f"dbt process(es) {', '.join(map(str, builders))} of an earlier run"
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            holder = str(error).splitlines()[0]
        if time.monotonic() >= deadline:
            raise RunInProgress(
                f"not started: another process still holds the warehouse {warehouse} "
                f"after {wait_seconds:g} s ({holder})"
            )
        time.sleep(POLL_SECONDS)


def _dbt_processes_for(data_dir: Path) -> list[int]:
    """Live dbt processes (other than this one) building on `data_dir`: its path is in their `--vars`."""
    wanted = json.dumps(str(data_dir))  # as dbt_vars writes it
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if int(proc.name) != os.getpid() and any(Path(w).name.startswith(("dbt", "togetheros-dbt")) for w in words[:2]):
            if any(wanted in w for w in words):
                found.append(int(proc.name))
    return sorted(found)
