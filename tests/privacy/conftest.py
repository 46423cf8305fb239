"""The one whole-pipeline run this folder adds: a small demo with inputs built to break every visibility
rule, the real exports from ../shared/realdata (when present), and Discourse and Open Collective APIs
(local fakes) fetched with credentials, a custom suppression threshold and an explicit pseudonym key.
Everything written to logs, stdout and stderr during the run is kept to search for the credentials."""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.dbt_plugins.pseudonym import register
from tests.conftest import SHARED_REALDATA
from tests.fakes.discourse_api import ADMIN_KEY, DiscourseForum
from tests.fakes.opencollective_api import FakeOpenCollective, make_transaction
from tests.fakes.server import FakeServer
from tests.privacy.crafted import copy_real_files, map_real_spaces, plant_rule_breakers

CUSTOM_MIN_COUNT = 7
OC_SLUG = "coop-commons"


@dataclass
class PrivacyRun:
    data_dir: Path
    result: object
    pseudonym_key: bytes
    secrets: dict[str, str]  # name -> value given to the run (API credentials, pseudonym key)
    captured: str  # logs, stdout and stderr of the run, and every Dagster event
    real_inbox: Path | None  # the real exports alone, in inbox layout (also copied into the inbox)

    @property
    def release(self) -> Path:
        return (self.data_dir / "releases" / "latest").resolve()

    def warehouse(self) -> duckdb.DuckDBPyConnection:
        """Read-only, with pseudonym() registered so the staging views can be queried."""
        con = duckdb.connect(str(self.data_dir / "warehouse" / "warehouse.duckdb"), read_only=True)
        register(con, self.pseudonym_key)
        return con


@contextlib.contextmanager
def _captured_output(sink: io.StringIO):
    handler = logging.StreamHandler(sink)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


@pytest.fixture(scope="session")
def privacy_run(tmp_path_factory) -> PrivacyRun:
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    data_dir = tmp_path_factory.mktemp("privacy-data")
    inbox = data_dir / "inbox"
    generate(inbox, members=200, seed=3)
    plant_rule_breakers(inbox)
    real_inbox = None
    if SHARED_REALDATA.exists():
        real_inbox = data_dir / "real-inbox"
        copy_real_files(SHARED_REALDATA, real_inbox)
        shutil.copytree(real_inbox, inbox, dirs_exist_ok=True)
        map_real_spaces(real_inbox, inbox, api_spaces=(("opencollective", OC_SLUG),))

    key = secrets.token_hex(32)
    oc_token = f"oc-token-{secrets.token_hex(12)}"
    sink = io.StringIO()
    with pytest.MonkeyPatch.context() as env, FakeServer() as server:
        DiscourseForum().install(server)
        transactions = [make_transaction(n, slug=OC_SLUG) for n in range(1, 6)]
        oc = FakeOpenCollective(server, transactions, token=oc_token)
        for name, value in {
            "TOGETHEROS_DATA_DIR": str(data_dir),
            "TOGETHEROS_MIN_COUNT": str(CUSTOM_MIN_COUNT),
            "TOGETHEROS_PSEUDONYM_KEY": key,
            "DISCOURSE_URL": server.url,
            "DISCOURSE_API_KEY": ADMIN_KEY,
            "DISCOURSE_API_USERNAME": "system",
            "OPENCOLLECTIVE_URL": oc.url,
            "OPENCOLLECTIVE_SLUG": OC_SLUG,
            "OPENCOLLECTIVE_TOKEN": oc_token,
        }.items():
            env.setenv(name, value)
        with _captured_output(sink):
            result = run_pipeline(data_dir)
        events = "\n".join(repr(event) for event in result.all_events)
    (data_dir / "run.log").write_text(sink.getvalue() + "\n" + events)  # kept for a failing test's reader
    return PrivacyRun(
        data_dir,
        result,
        key.encode(),
        {"DISCOURSE_API_KEY": ADMIN_KEY, "OPENCOLLECTIVE_TOKEN": oc_token, "TOGETHEROS_PSEUDONYM_KEY": key},
        (data_dir / "run.log").read_text(),
        real_inbox,
    )
