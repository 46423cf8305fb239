"""The pipeline's dbt resource runs dbt as dagster-dbt does, without asking `dbt --version` in a
subprocess nor opening a dbt adapter in this process first (3.3 s before every dbt command)."""

from __future__ import annotations

from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dagster_dbt_resource

from pipelines.assets.transform import DbtCli, dbt_project
from pipelines.definitions import build_definitions


def test_the_version_is_the_one_dbt_reports():
    assert DbtCli(project_dir=dbt_project)._cli_version == DbtCliResource(project_dir=dbt_project)._cli_version


def test_a_dbt_command_runs_without_the_version_subprocess_or_an_adapter(monkeypatch, tmp_path):
    asked: list = []
    monkeypatch.setattr(dagster_dbt_resource, "check_output", lambda *args, **kwargs: asked.append(args))
    monkeypatch.setattr(DbtCliResource, "_initialize_dbt_core_adapter", lambda self, args: asked.append(args))
    dbt = build_definitions().resources["dbt"]
    invocation = dbt.cli(["debug", "--config-dir"], target_path=tmp_path, raise_on_error=False)
    invocation.wait()
    assert invocation.is_successful() and asked == []
    assert isinstance(dbt, DbtCli)
