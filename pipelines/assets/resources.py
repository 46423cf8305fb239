"""The pipeline's settings as Dagster resources, read from the environment in one place
(`configured_resources`) and handed to the assets that need them; nothing writes the environment.

- `DataDir`: where inbox/, landing/, warehouse/ and releases/ live (TOGETHEROS_DATA_DIR, default ./data).
- `Warehouse`: DuckDB's memory limit for the raw load, dbt and the release (TOGETHEROS_DUCKDB_MEMORY_LIMIT).
- `Disclosure`: the smallest count of people a published cell may show (TOGETHEROS_MIN_COUNT).
- `Signing`: the release signing key (TOGETHEROS_SIGNING_KEY, a secret: passed as an `EnvVar`).
- `Sources`: each API's settings (DISCOURSE_*, DECIDIM_URL, OPENCOLLECTIVE_*; keys and tokens are
  secrets, passed as `EnvVar`s when they are the process's) and the currency of Decidim's budgets
  (DECIDIM_CURRENCY).
- `InputLimits`: what no input may exceed (TOGETHEROS_LIMIT_*, `pipelines/sources/limits.py`).
- `Alerts`: where a release's new alerts are posted (TOGETHEROS_ALERT_WEBHOOKS, http(s) URLs separated
  by commas or spaces: a secret, passed as an `EnvVar`), each attempt's timeout and the retries
  (TOGETHEROS_ALERT_TIMEOUT, TOGETHEROS_ALERT_RETRIES), and after how many days without new data an
  area is stale (TOGETHEROS_STALE_AFTER_DAYS), the dashboard address the feeds link to
  (TOGETHEROS_DASHBOARD_URL); docs/alerts.md.
- `FederationExtract`: the private federation extract a city writes for its hub beside each release
  (TOGETHEROS_FEDERATION_PSEUDONYM_KEY, the federation's shared pseudonym key, a secret;
  TOGETHEROS_HUB_BOX_PUBLIC_KEY, the hub's base64 X25519 box key; TOGETHEROS_PSEUDONYM_KEY, the
  instance's own key, to match its member ids; docs/federation.md). Unset: no extract.
- `DbtEngine`: what dbt builds the models on: DuckDB, in the warehouse (the default), or Apache Spark
  (TOGETHEROS_ENGINE=spark or `togetheros pipeline --engine spark`; the session's master:
  TOGETHEROS_SPARK_MASTER; docs/scaling.md).
- `QualityChecks`: whether the release's Great Expectations suites run over every public dataset
  (TOGETHEROS_QUALITY_FULL=1 or `togetheros pipeline --quality-full`) or only over those whose content or
  expectations changed since the last report, reusing the others' passed results (the default).
- `Publishing`: whether a release with no data rows may be published (`togetheros pipeline
  --allow-empty` only: a deliberate empty release).

Values are validated when the resource is built: a bad one stops the definitions from loading with a
message naming the setting. dbt receives the data dir, the threshold and the memory limit as `--vars`
(`dbt_vars`); the landing assets hand a source's API settings to its `fetch`, the raw assets hand the
limits and the currency to the raw load.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import fields
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
from pydantic import field_validator, model_validator

from pipelines.settings import (
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    DEFAULT_MIN_COUNT,
    DEFAULT_STALE_AFTER_DAYS,
    STALE_AFTER_ENV,
    Paths,
    duckdb_config,
    min_count,
)
from pipelines.sources.decidim import fetch as decidim_fetch
from pipelines.sources.decidim.parse import DEFAULT_CURRENCY, budget_currency, valid_currency
from pipelines.sources.discourse import fetch as discourse_fetch
from pipelines.sources.limits import Limits, parse_env
from pipelines.sources.opencollective import fetch as opencollective_fetch

SIGNING_KEY_ENV = "TOGETHEROS_SIGNING_KEY"


class DataDir(dg.ConfigurableResource):
    """Root of inbox/, landing/, warehouse/ and releases/. Empty means ./data."""

    path: str = ""

    def paths(self) -> Paths:
        return Paths.at(self.path)


class Warehouse(dg.ConfigurableResource):
    """How the pipeline's DuckDB connections are configured (dbt gets the same through `dbt_vars`)."""

    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    def config(self) -> dict[str, str]:
        """DuckDB would take 80 % of the machine's memory; with a limit it spills to disk instead."""
        return {"memory_limit": self.memory_limit}


class Disclosure(dg.ConfigurableResource):
    """The suppression threshold: dbt suppresses below it, the release records it, the checks enforce it."""

    min_count: int = DEFAULT_MIN_COUNT

    @field_validator("min_count")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"min_count (TOGETHEROS_MIN_COUNT) is a number of people, 1 or more, not {value}")
        return value


class Signing(dg.ConfigurableResource):
    """The release signing key (base64 seed); empty means a development key under data/keys."""

    key: str = ""

    def environment(self) -> dict[str, str]:
        """The key as `SigningKeyConfig.from_env` reads it."""
        return {SIGNING_KEY_ENV: self.key} if self.key else {}


class Sources(dg.ConfigurableResource):
    """Each API's settings (an API with no URL, or for Open Collective no slug, is not fetched: only
    inbox files are read), Decidim's budget currency, and the TogetherOS instance's public address
    (nothing is fetched from it: published initiatives link to their page there)."""

    discourse_url: str = ""
    discourse_api_key: str = ""
    discourse_api_username: str = ""
    decidim_url: str = ""
    decidim_currency: str = DEFAULT_CURRENCY
    opencollective_url: str = opencollective_fetch.DEFAULT_URL
    opencollective_token: str = ""
    opencollective_slug: str = ""
    opencollective_page_size: int = 1000
    togetheros_url: str = ""

    @field_validator("discourse_url", "decidim_url", "opencollective_url", "togetheros_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"an API URL starts with http:// or https://, not {value!r}")
        return value

    @field_validator("decidim_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return valid_currency(value)

    @field_validator("opencollective_page_size")
    @classmethod
    def _page_size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"opencollective_page_size (OPENCOLLECTIVE_PAGE_SIZE) must be positive, not {value}")
        return value

    def api(self, source: str):
        """The `fetch.Settings` of an API source."""
        if source == "discourse":
            return discourse_fetch.Settings(
                self.discourse_url or None, self.discourse_api_key or None, self.discourse_api_username or None
            )
        if source == "decidim":
            return decidim_fetch.Settings(self.decidim_url or None, self.decidim_currency)
        if source == "opencollective":
            return opencollective_fetch.Settings(
                url=self.opencollective_url or opencollective_fetch.DEFAULT_URL,
                token=self.opencollective_token or None,
                slug=self.opencollective_slug or None,
                page_size=self.opencollective_page_size,
            )
        raise KeyError(f"{source} has no API")

    def parsing(self, source: str) -> Callable[[], AbstractContextManager]:
        """A function that sets what a source's parser needs while the raw load reads it (Decidim: the
        budget currency), called in the loading process and in its reader processes (so it pickles)."""
        return partial(budget_currency, self.decidim_currency) if source == "decidim" else nullcontext


class InputLimits(dg.ConfigurableResource):
    """The input limits (`Limits`): a positive number of bytes or items each."""

    file_bytes: int = Limits.file_bytes
    streamed_file_bytes: int = Limits.streamed_file_bytes
    line_bytes: int = Limits.line_bytes
    records: int = Limits.records
    files: int = Limits.files
    archive_members: int = Limits.archive_members
    archive_member_bytes: int = Limits.archive_member_bytes
    archive_bytes: int = Limits.archive_bytes

    @model_validator(mode="after")
    def _positive(self) -> InputLimits:
        self.limits()  # Limits refuses a value that is not a positive whole number, naming it
        return self

    def limits(self) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})


WEBHOOKS_ENV = "TOGETHEROS_ALERT_WEBHOOKS"
DASHBOARD_URL_ENV = "TOGETHEROS_DASHBOARD_URL"  # the dashboard's public address: the feeds link to its pages


def webhook_urls(value: str) -> list[str]:
    """The webhook URLs of TOGETHEROS_ALERT_WEBHOOKS (commas or spaces between them); refuses one that
    is not http(s), naming the setting but not the URL (a webhook's URL is often its secret)."""
    urls = [url for url in value.replace(",", " ").split() if url]
    for position, url in enumerate(urls, 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{WEBHOOKS_ENV}: URL {position} of {len(urls)} is not an http(s):// URL with a host")
    return urls


class Alerts(dg.ConfigurableResource):
    """Alert delivery (pipelines/alerts/): the webhooks, one attempt's timeout, the retries, the days
    without new data after which an area is announced stale, and the dashboard's public address that
    the feeds' entries link to (TOGETHEROS_DASHBOARD_URL)."""

    webhooks: str = ""
    timeout_seconds: float = 10.0
    retries: int = 3
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    dashboard_url: str = ""

    @model_validator(mode="after")
    def _valid(self) -> Alerts:
        if self.timeout_seconds <= 0 or self.timeout_seconds > 300:
            raise ValueError(f"TOGETHEROS_ALERT_TIMEOUT is seconds, over 0, at most 300, not {self.timeout_seconds}")
        if not 0 <= self.retries <= 10:
            raise ValueError(f"TOGETHEROS_ALERT_RETRIES is 0 to 10, not {self.retries}")
        if self.stale_after_days < 1:
            raise ValueError(f"TOGETHEROS_STALE_AFTER_DAYS is a number of days, 1 or more, not {self.stale_after_days}")
        if self.dashboard_url:
            parts = urlsplit(self.dashboard_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{DASHBOARD_URL_ENV}={self.dashboard_url!r} is not an http(s):// URL with a host")
        return self

    def urls(self) -> list[str]:
        return webhook_urls(self.webhooks)


class FederationExtract(dg.ConfigurableResource):
    """The keys of the private federation extract; empty ones fall back to the files under keys/ (the demo)."""

    federation_pseudonym_key: str = ""
    hub_box_public_key: str = ""
    instance_pseudonym_key: str = ""

    def environment(self) -> dict[str, str]:
        """The settings as `CityExtractKeys.from_env` reads them."""
        from pipelines.federation.extract import FEDERATION_KEY_ENV, HUB_BOX_PUBLIC_KEY_ENV

        return {FEDERATION_KEY_ENV: self.federation_pseudonym_key, HUB_BOX_PUBLIC_KEY_ENV: self.hub_box_public_key}


def _federation_extract(env: Mapping[str, str]) -> FederationExtract:
    from pipelines.dbt_plugins.pseudonym import KEY_ENV
    from pipelines.federation.extract import FEDERATION_KEY_ENV, HUB_BOX_PUBLIC_KEY_ENV, parse_box_public_key

    if env.get(HUB_BOX_PUBLIC_KEY_ENV):
        parse_box_public_key(env[HUB_BOX_PUBLIC_KEY_ENV])  # a bad key is refused here, before anything runs
    names = {
        "federation_pseudonym_key": FEDERATION_KEY_ENV,
        "hub_box_public_key": HUB_BOX_PUBLIC_KEY_ENV,
        "instance_pseudonym_key": KEY_ENV,
    }
    return FederationExtract(
        **{field: _secret(env, variable) for field, variable in names.items() if env.get(variable)}
    )


ENGINE_ENV = "TOGETHEROS_ENGINE"
SPARK_MASTER_ENV = "TOGETHEROS_SPARK_MASTER"
DBT_ENGINES = ("duckdb", "spark")
SPARK_MASTERS = ("local", "spark://", "k8s://", "yarn")


class DbtEngine(dg.ConfigurableResource):
    """What dbt builds the models on: `duckdb` (in the warehouse) or `spark` (a Spark session,
    pipelines/spark.py, whose public tables then replace the warehouse's public schema: the checks and
    the release read them there, whichever engine built them), and the Spark session's master (default
    local[2]; docs/scaling.md for a cluster)."""

    name: str = "duckdb"
    spark_master: str = "local[2]"

    @field_validator("spark_master")
    @classmethod
    def _master(cls, value: str) -> str:
        if not value.startswith(SPARK_MASTERS):
            raise ValueError(f"{SPARK_MASTER_ENV} starts with one of {', '.join(SPARK_MASTERS)}, not {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in DBT_ENGINES:
            raise ValueError(f"{ENGINE_ENV} (--engine) is one of {', '.join(DBT_ENGINES)}, not {value!r}")
        return value


class Publishing(dg.ConfigurableResource):
    """allow_empty: publish a release with no data rows (a deliberate empty release)."""

    allow_empty: bool = False


QUALITY_FULL_ENV = "TOGETHEROS_QUALITY_FULL"
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class QualityChecks(dg.ConfigurableResource):
    """full: validate every public dataset, reusing no earlier result (pipelines/release/quality.py)."""

    full: bool = False


def _quality(env: Mapping[str, str]) -> QualityChecks:
    text = (env.get(QUALITY_FULL_ENV) or "").strip().lower()
    if text and text not in TRUE_WORDS + FALSE_WORDS:
        raise ValueError(f"{QUALITY_FULL_ENV} is 1 (validate every dataset) or 0, not {env[QUALITY_FULL_ENV]!r}")
    return QualityChecks(full=text in TRUE_WORDS)


def _alerts(env: Mapping[str, str]) -> Alerts:
    values: dict = {}
    if env.get(WEBHOOKS_ENV):
        webhook_urls(env[WEBHOOKS_ENV])  # refused here, before anything runs
        values["webhooks"] = _secret(env, WEBHOOKS_ENV)
    for name, variable, kind in (
        ("timeout_seconds", "TOGETHEROS_ALERT_TIMEOUT", float),
        ("retries", "TOGETHEROS_ALERT_RETRIES", int),
        ("stale_after_days", STALE_AFTER_ENV, int),
        ("dashboard_url", DASHBOARD_URL_ENV, str),
    ):
        if env.get(variable):
            try:
                values[name] = kind(env[variable])
            except ValueError:
                raise ValueError(f"{variable} must be a number, not {env[variable]!r}") from None
    return Alerts(**values)


# environment variable of each `Sources` field; the secret ones are passed as `EnvVar`s
SOURCE_ENV = {
    "discourse_url": "DISCOURSE_URL",
    "discourse_api_key": "DISCOURSE_API_KEY",
    "discourse_api_username": "DISCOURSE_API_USERNAME",
    "decidim_url": "DECIDIM_URL",
    "decidim_currency": "DECIDIM_CURRENCY",
    "opencollective_url": "OPENCOLLECTIVE_URL",
    "opencollective_token": "OPENCOLLECTIVE_TOKEN",
    "opencollective_slug": "OPENCOLLECTIVE_SLUG",
    "togetheros_url": "TOGETHEROS_URL",
}
SECRETS = {"DISCOURSE_API_KEY", "OPENCOLLECTIVE_TOKEN"}


def _secret(env: Mapping[str, str], variable: str):
    """A secret as an `EnvVar` (Dagster resolves it at run time and never shows its value) when it is
    the process's; given in another mapping (a test's), its value."""
    return dg.EnvVar(variable) if os.environ.get(variable) == env[variable] else env[variable]


def _sources(env: Mapping[str, str]) -> Sources:
    values: dict = {}
    for name, variable in SOURCE_ENV.items():
        if env.get(variable):
            values[name] = _secret(env, variable) if variable in SECRETS else env[variable]
    values["opencollective_page_size"] = opencollective_fetch.Settings.from_env(env).page_size
    return Sources(**values)


def dbt_vars(data_dir: Path, warehouse: Warehouse, disclosure: Disclosure, sources: Sources) -> str:
    """`--vars` for dbt: what profiles.yml and the models read (see dbt_project.yml's `vars`)."""
    return json.dumps(
        {
            "data_dir": str(data_dir),
            "duckdb_memory_limit": warehouse.memory_limit,
            "min_count": disclosure.min_count,
            "togetheros_url": sources.togetheros_url.rstrip("/"),
        },
        sort_keys=True,
    )


def configured_resources(env: Mapping[str, str]) -> dict[str, dg.ConfigurableResource]:
    """Every setting resource, from environment variables (an empty one counts as unset)."""
    return {
        "data_dir": DataDir(path=str(Paths.from_env(env).data)),
        "warehouse": Warehouse(memory_limit=duckdb_config(env)["memory_limit"]),
        "disclosure": Disclosure(min_count=min_count(env)),
        "signing": Signing(key=_secret(env, SIGNING_KEY_ENV) if env.get(SIGNING_KEY_ENV) else ""),
        "sources": _sources(env),
        "limits": InputLimits(**{name: value for name, value in parse_env(env).items() if value}),
        "alerts": _alerts(env),
        "publishing": Publishing(),
        "quality": _quality(env),
        "federation_extract": _federation_extract(env),
        "engine": DbtEngine(name=env.get(ENGINE_ENV) or "duckdb", spark_master=env.get(SPARK_MASTER_ENV) or "local[2]"),
    }
