"""The settings seam: what the resources are given (not the environment) reaches the code that needs
it, and a value that makes no sense stops the definitions with a message naming the setting."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.assets.ingest import landing_asset, raw_asset
from pipelines.assets.resources import DataDir, Disclosure, InputLimits, Sources, Warehouse, configured_resources
from pipelines.definitions import build_definitions
from pipelines.settings import Paths
from tests.sources.test_decidim import MEMBERS_030, export


def _load_decidim(tmp_path, sources: Sources, limits: InputLimits) -> list[tuple]:
    paths = Paths.at(tmp_path / "data")
    (paths.inbox / "decidim").mkdir(parents=True)
    export(paths.inbox / "decidim", {"projects": MEMBERS_030["projects"]})
    result = dg.materialize(
        [landing_asset("decidim"), raw_asset("decidim")],
        resources={
            "data_dir": DataDir(path=str(paths.data)),
            "warehouse": Warehouse(),
            "sources": sources,
            "limits": limits,
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        outcomes = con.execute("select outcome, rule from raw.file_outcomes where source = 'decidim'").fetchall()
        if outcomes == [("loaded", None)]:
            return con.execute("select currency from raw.decidim__projects").fetchall()
        return outcomes


def test_the_resources_settings_reach_the_raw_load_not_the_environments(tmp_path, monkeypatch):
    monkeypatch.setenv("DECIDIM_CURRENCY", "GBP")
    monkeypatch.setenv("TOGETHEROS_LIMIT_FILE_BYTES", "10")
    assert _load_decidim(tmp_path / "a", Sources(decidim_currency="jpy"), InputLimits()) == [("JPY",)]
    refused = _load_decidim(tmp_path / "b", Sources(), InputLimits(file_bytes=10))
    assert refused == [("refused", "limit:file_bytes")]


def test_the_environment_is_read_once_into_the_resources():
    resources = configured_resources(
        {
            "DECIDIM_CURRENCY": "chf",
            "DECIDIM_URL": "https://decidim.example",
            "OPENCOLLECTIVE_SLUG": "coop",
            "OPENCOLLECTIVE_TOKEN": "t0ken-not-in-the-process-env",
            "OPENCOLLECTIVE_PAGE_SIZE": "50",
            "TOGETHEROS_LIMIT_LINE_BYTES": "1_000",
            "TOGETHEROS_LIMIT_FILES": "0",  # 0 keeps the default
        }
    )
    sources, limits = resources["sources"], resources["limits"].limits()
    assert sources.api("decidim").currency == "CHF" and sources.api("decidim").configured
    assert sources.api("opencollective").page_size == 50 and not sources.api("discourse").configured
    assert sources.api("opencollective").token == "t0ken-not-in-the-process-env"
    assert limits.line_bytes == 1000 and limits.files == InputLimits().files
    assert resources["engine"].name == "duckdb"
    spark = configured_resources({"TOGETHEROS_ENGINE": "spark", "TOGETHEROS_SPARK_MASTER": "spark://spark-master:7077"})
    assert spark["engine"].name == "spark" and spark["engine"].spark_master == "spark://spark-master:7077"
    assert resources["engine"].spark_master == "local[2]"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DECIDIM_CURRENCY": "euro"}, "DECIDIM_CURRENCY='EURO'.*three-letter ISO 4217"),
        ({"TOGETHEROS_LIMIT_RECORDS": "many"}, "TOGETHEROS_LIMIT_RECORDS='many'.*whole number"),
        ({"TOGETHEROS_LIMIT_LINE_BYTES": "-5"}, "TOGETHEROS_LIMIT_LINE_BYTES='-5'.*whole number"),
        ({"OPENCOLLECTIVE_PAGE_SIZE": "0"}, "OPENCOLLECTIVE_PAGE_SIZE='0'.*positive"),
        ({"DISCOURSE_URL": "forum.example"}, "http:// or https://.*forum.example"),
        ({"TOGETHEROS_MIN_COUNT": "five"}, "TOGETHEROS_MIN_COUNT='five'.*1 or more"),
        ({"TOGETHEROS_ENGINE": "trino"}, r"TOGETHEROS_ENGINE \(--engine\) is one of duckdb, spark, not 'trino'"),
        ({"TOGETHEROS_SPARK_MASTER": "host:7077"}, "TOGETHEROS_SPARK_MASTER starts with one of local, spark://"),
    ],
)
def test_an_invalid_setting_is_refused_naming_it(env, message):
    with pytest.raises(Exception, match=message):
        build_definitions(env=env)


def test_an_invalid_resource_value_is_refused_naming_it():
    with pytest.raises(Exception, match=r"limit files \(TOGETHEROS_LIMIT_FILES\) must be a positive whole number"):
        InputLimits(files=0)
    with pytest.raises(Exception, match="three-letter ISO 4217"):
        Sources(decidim_currency="€")
    with pytest.raises(Exception, match=r"min_count \(TOGETHEROS_MIN_COUNT\) is a number of people"):
        Disclosure(min_count=0)
