"""The run lock: a second run on the same data directory refuses at once, naming the first, or waits for
it; a killed holder (kill -9) never leaves a stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipelines.runlock import RunInProgress, run_lock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipelines.runlock import run_lock
    with run_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _holder(data_dir, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_run_refuses_naming_the_first(tmp_path):
    first = _holder(tmp_path, 60)
    try:
        with pytest.raises(RunInProgress, match=rf"pipeline run pid {first.pid} \(started .*\) is still running"):
            with run_lock(tmp_path):
                pytest.fail("two runs held the lock at once")
        assert first.poll() is None  # the first is left alone
    finally:
        first.kill()
        first.wait()


def test_a_second_run_waits_for_the_first(tmp_path):
    first = _holder(tmp_path, 2)
    started = time.monotonic()
    with run_lock(tmp_path, wait_seconds=60):
        assert time.monotonic() - started >= 1  # it got the lock only once the first let go
    assert first.wait(10) == 0


def test_a_run_killed_with_sigkill_leaves_no_stale_lock(tmp_path):
    first = _holder(tmp_path, 60)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    with run_lock(tmp_path):  # at once: the kernel released the dead holder's lock
        pass
