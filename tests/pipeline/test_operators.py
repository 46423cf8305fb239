"""Operators (issue 14, item 7): the Dagster UI (`make dev`, `togetheros dev`) opens the instance the
command line records its runs in, with the schedule and the inbox sensor on. The command's output
itself is checked on a whole run in test_refuse_empty.py."""

from __future__ import annotations

import dagster as dg

from pipelines.cli import build_parser, dagster_home
from pipelines.definitions import build_definitions
from pipelines.progress import stage_of


def test_the_schedule_and_the_sensor_are_on_by_default():
    defs = build_definitions()
    sensors = list(defs.sensors)
    schedules = list(defs.schedules)
    assert sensors and schedules
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors)
    assert all(s.default_status == dg.DefaultScheduleStatus.RUNNING for s in schedules)


def test_the_instance_lives_under_the_data_dir_and_is_the_one_dev_opens(tmp_path):
    home = dagster_home(tmp_path)
    assert home == tmp_path / "dagster_home"
    instance = dg.DagsterInstance.from_config(str(home))
    assert instance.root_directory == str(home)
    assert not instance.telemetry_enabled  # nothing waits on an unreachable host
    assert "max_concurrent_runs: 1" in (home / "dagster.yaml").read_text()
    assert dagster_home(tmp_path) == home  # idempotent
    dev = build_parser().parse_args(["dev", "--data-dir", str(tmp_path)])
    assert dev.handler.__name__ == "_dev" and dev.data_dir == tmp_path


def test_the_privacy_check_is_its_own_stage_though_its_step_key_starts_with_the_releases():
    assert stage_of("release__release_release_has_no_personal_data") == "privacy"
    assert stage_of("release__release") == "release"
    assert stage_of("landing__discourse") == "landing"
