"""Crash safety on a tiny demo, with real pipeline runs in subprocesses (the CI-sized version of
`python -m bench.crash`, whose 20+ round results are in bench/results/crash.json).

Two runs started at once: the second refuses, naming the first, and the first completes. Then the
pipeline is killed with SIGKILL while dbt builds, and the next run, started from that crash's state
with no manual cleanup, gets past dbt and is killed in turn while the release is written (as
`python -m bench.crash --complete-every 2` does); after each kill `latest` stays a complete release
that verifies, and the run after the second kill completes, leaves no temporary folder and publishes
the same data files as the clean run. Chaining the two kills costs one whole pipeline run less than
letting a complete run follow each.
"""

from __future__ import annotations

import random

import pytest

from bench.crash import (
    TINY_DEMO,
    StepWatcher,
    data_hashes,
    kill_round,
    release_state,
    round_ok,
    start_pipeline,
    temporary_left,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from demo.generate import generate

    data_dir = tmp_path_factory.mktemp("crash") / "data"
    generate(data_dir / "inbox", **TINY_DEMO)
    return {"data_dir": data_dir}


def test_two_runs_started_together_the_second_refuses_and_the_first_completes(demo):
    data_dir = demo["data_dir"]
    first = start_pipeline(data_dir)
    watcher = StepWatcher(first)
    assert watcher.wait_for_step(("landing__",), timeout=600), "\n".join(watcher.tail)
    second = start_pipeline(data_dir)
    _, refusal = second.communicate(timeout=600)
    assert second.returncode == 75, refusal[-2000:]
    assert f"not started: pipeline run pid {first.pid}" in refusal and "is still running" in refusal
    assert first.wait(timeout=1800) == 0, "\n".join(watcher.tail)
    releases = data_dir / "releases"
    assert release_state(releases) == "verified"
    assert len([p for p in releases.iterdir() if not p.name.startswith(".") and not p.is_symlink()]) == 1
    demo["reference"] = data_hashes((releases / "latest").resolve())


def test_a_run_killed_while_dbt_builds_leaves_latest_whole(demo):
    if "reference" not in demo:
        pytest.skip("needs the clean run of the test before")
    outcome = kill_round(demo["data_dir"], "dbt", random.Random("dbt"), demo["reference"], complete=False)
    assert outcome.killed, "the run finished before the kill"
    assert outcome.killed_in_step.startswith("dbt_models"), outcome
    assert round_ok(outcome), outcome  # `latest` is still the clean run's release, and it verifies
    demo["crashed"] = outcome


def test_the_next_run_recovers_is_killed_while_releasing_and_the_run_after_completes(demo):
    if "crashed" not in demo:
        pytest.skip("needs the crash of the test before")
    outcome = kill_round(demo["data_dir"], "release", random.Random("release"), demo["reference"])
    # from the dbt crash's state it got through dbt, the checks and up to the release step
    assert outcome.killed, "the run finished before the kill"
    assert outcome.killed_in_step.startswith("release__"), outcome
    assert round_ok(outcome), outcome
    assert temporary_left(demo["data_dir"] / "releases") == []
