"""Alerts (issue 14, item 2): the Atom feeds written into the release announce exactly what became
overdue, stalled or stale since the previous release, verify with the release, are served with the
feed content type; the webhook is posted to local HTTP servers, including one that fails then
succeeds and one that hangs (bounded), and a failing webhook never fails the run."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import dagster as dg
import feedparser
import pyarrow as pa
import pytest

from dashboards.files import start
from pipelines.alerts import feed
from pipelines.alerts.webhook import payload, post_alerts
from pipelines.assets.alerts import alerts as alerts_asset
from pipelines.assets.resources import Alerts, DataDir, configured_resources
from pipelines.release import verify_release
from tests.release.conftest import CREATED, make_release, sample_docs, sample_tables

ATOM = "{http://www.w3.org/2005/Atom}"
DASHBOARD = "https://dashboard.example.org"
INITIATIVE_DOCS = {
    "description": "Initiatives.",
    "primary_key": ["initiative_id"],
    "area": "delivery",
    "columns": {
        name: name for name in ("initiative_id", "source", "group_id", "status", "deadline", "is_overdue", "is_stalled")
    },
}


def _initiatives(overdue: set[str], stalled: set[str]) -> pa.Table:
    ids = ["i1", "i2", "i3", "i4"]
    return pa.table(
        {
            "initiative_id": ids,
            "source": ["togetheros"] * 4,
            "group_id": ["g1", "g1", "g2", "g2"],
            "status": ["in_progress"] * 4,
            "deadline": [date(2025, 1, 10), date(2025, 2, 1), date(2025, 6, 1), None],
            "is_overdue": [i in overdue for i in ids],
            "is_stalled": [i in stalled for i in ids],
        }
    )


def _release(releases: Path, initiatives: pa.Table, days_later: int) -> Path:
    docs = {**sample_docs(), feed.INITIATIVES: INITIATIVE_DOCS}
    docs["treasury_monthly"] = {**docs["treasury_monthly"], "area": "treasury"}
    return make_release(
        releases,
        {**sample_tables(), feed.INITIATIVES: initiatives},
        dataset_docs=docs,
        created=CREATED + timedelta(days=days_later),
        dashboard_url=DASHBOARD,
    )


@pytest.fixture(scope="module")
def three_releases(tmp_path_factory) -> list[Path]:
    """i1 overdue from the first release; i2 overdue and i3 stalled from the second, when the data
    (as of 2025-02-28) also turns stale (60 days); the third changes nothing."""
    releases = tmp_path_factory.mktemp("alerts") / "releases"
    return [
        _release(releases, _initiatives({"i1"}, set()), 0),
        _release(releases, _initiatives({"i1", "i2"}, {"i3"}), 60),
        _release(releases, _initiatives({"i1", "i2"}, {"i3"}), 61),
    ]


def test_each_entry_links_to_where_one_acts_on_it(three_releases):
    parsed = feedparser.parse((three_releases[1] / "alerts" / "all.atom").read_bytes())
    links = {entry.id.removeprefix("urn:togetheros:alert:"): entry.link for entry in parsed.entries}
    assert links["overdue/i2"] == f"{DASHBOARD}/initiative?id=i2"
    assert links["stalled/i3"] == f"{DASHBOARD}/initiative?id=i3"
    assert links["stale/delivery/2025-02-28"] == f"{DASHBOARD}/"
    assert parsed.feed.link == f"{DASHBOARD}/"
    # no configured address: no link is guessed
    alone = feed.atom_feed("urn:x", "x", "2025-01-01T00:00:00Z", [{**_kept(three_releases[1])["new"][0]}])
    assert b"<link" not in alone
    with pytest.raises(ValueError, match="TOGETHEROS_DASHBOARD_URL='dashboard.example.org' is not an http"):
        configured_resources({"TOGETHEROS_DASHBOARD_URL": "dashboard.example.org"})


def _kept(release: Path) -> dict:
    return json.loads((release / "alerts" / "alerts.json").read_text())


def _entries(path: Path) -> list[str]:
    """The entry ids of a feed, checked to be Atom 1.0 as RFC 4287 asks (feed id, title, updated,
    author; each entry id, title, updated) and parsed cleanly by a feed reader's parser."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated
    return [entry.id.removeprefix("urn:togetheros:alert:") for entry in parsed.entries]


def test_each_release_announces_exactly_what_is_new_since_the_previous(three_releases):
    first, second, third = three_releases
    assert [a["id"] for a in _kept(first)["new"]] == ["overdue/i1"]
    assert [a["id"] for a in _kept(second)["new"]] == [
        "overdue/i2",
        "stalled/i3",
        "stale/delivery/2025-02-28",
        "stale/treasury/2025-02-28",
    ]
    assert _kept(third)["new"] == []  # nothing newly overdue, stalled or stale: nothing announced again
    overdue = _kept(second)["new"][0]
    assert (overdue["group_id"], overdue["deadline"], overdue["days_overdue"]) == ("g1", "2025-02-01", 27)


def test_the_feeds_are_atom_per_group_and_for_all_and_keep_what_was_announced(three_releases):
    second, third = three_releases[1:]
    assert _entries(second / "alerts" / "all.atom") == [
        "overdue/i2",
        "stalled/i3",
        "stale/delivery/2025-02-28",
        "stale/treasury/2025-02-28",
        "overdue/i1",
    ]
    assert _entries(third / "alerts" / "all.atom") == _entries(second / "alerts" / "all.atom")
    # a group's feed: its own initiatives and the stale data everyone reads
    assert _entries(second / "alerts" / "g1.atom") == [
        "overdue/i2",
        "stale/delivery/2025-02-28",
        "stale/treasury/2025-02-28",
        "overdue/i1",
    ]
    assert _entries(second / "alerts" / "g2.atom") == [
        "stalled/i3",
        "stale/delivery/2025-02-28",
        "stale/treasury/2025-02-28",
    ]
    groups = sample_tables()["groups"].column("group_id").to_pylist()
    assert sorted(p.name for p in (second / "alerts").glob("*.atom")) == sorted(
        ["all.atom", *(f"{g}.atom" for g in groups)]
    )


def test_the_feeds_hold_no_free_text_and_are_part_of_the_signed_release(three_releases):
    for release in three_releases:
        report = verify_release(release)
        assert report.ok, report.messages()
        sums = (release / "SHA256SUMS").read_text()
        assert "  alerts/all.atom\n" in sums and "  alerts/alerts.json\n" in sums
    text = "".join(p.read_text() for p in (three_releases[1] / "alerts").iterdir())
    assert "Riverside" not in text  # a group's name, the only words in the datasets, is not repeated


def test_a_group_id_that_cannot_name_a_file_gets_a_hashed_feed_name(three_releases):
    assert feed.feed_name("g1") == "g1.atom"
    for group_id in ("../etc", "all", "Two words"):
        assert feed.feed_name(group_id).startswith("group-") and "/" not in feed.feed_name(group_id)
    assert _kept(three_releases[0])["feeds"]["g1"] == "g1.atom"


def test_the_file_server_serves_a_groups_feed_as_atom(three_releases):
    server = start(three_releases[0].parent, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/releases/latest/alerts/g1.atom"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
            body = response.read()
    finally:
        server.shutdown()
    assert body == (three_releases[-1] / "alerts" / "g1.atom").read_bytes()


class _Hook:
    """A local webhook receiver: answers each POST with the next status of `statuses` (the last one
    repeats), or never answers when `hang` is set."""

    def __init__(self, statuses=(200,), hang: float = 0.0):
        self.statuses, self.hang, self.bodies = list(statuses), hang, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                if hook.hang:
                    time.sleep(hook.hang)
                    return
                status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks():
    made = []
    yield lambda *a, **k: made.append(_Hook(*a, **k)) or made[-1]
    for hook in made:
        hook.close()


def test_the_webhook_gets_the_new_alerts_once_retries_a_500_and_gives_up_on_a_hang(three_releases, hooks, tmp_path):
    second = three_releases[1]
    ok, flaky, hung = hooks(), hooks(statuses=(500, 200)), hooks(hang=30.0)
    state = tmp_path / "webhooks.json"
    started = time.monotonic()
    deliveries = post_alerts(second, [ok.url, flaky.url, hung.url], state, timeout=0.5, retries=2, backoff=0.05)
    took = time.monotonic() - started
    assert [d.delivered for d in deliveries] == [True, True, False]
    assert ok.bodies == [payload(second)] and ok.bodies[0]["release_id"] == second.name
    assert [a["id"] for a in ok.bodies[0]["alerts"]] == [
        "overdue/i2",
        "stalled/i3",
        "stale/delivery/2025-02-28",
        "stale/treasury/2025-02-28",
    ]
    assert len(flaky.bodies) == 2  # a 500, then the retry that succeeded
    assert len(hung.bodies) == 3 and "no answer within 0.5 s after 3 attempt(s)" in deliveries[2].message
    # bounded: 3 attempts × 0.5 s + backoff, with slack for a busy machine; unbounded would be 90 s
    assert took < 12
    assert all("secret-token" not in d.host + d.message for d in deliveries)  # a hook's path is its secret
    assert "secret-token" not in state.read_text()

    again = post_alerts(second, [ok.url, flaky.url, hung.url], state, timeout=0.5, retries=0)
    assert [d.host for d in again] == [deliveries[2].host]  # only the one never delivered is tried again
    assert len(ok.bodies) == 1 and len(flaky.bodies) == 2
    assert post_alerts(three_releases[2], [ok.url], state, timeout=0.5, retries=0) == []  # nothing new


def test_the_alerts_asset_posts_after_promotion_and_a_failing_webhook_does_not_fail_the_run(
    three_releases, hooks, tmp_path
):
    data = tmp_path / "data"
    (data / "releases").mkdir(parents=True)
    second = data / "releases" / three_releases[1].name
    second.symlink_to(three_releases[1], target_is_directory=True)
    (data / "releases" / "latest").symlink_to(second.name)
    ok, broken = hooks(), hooks(statuses=(404,))
    result = dg.materialize(
        [alerts_asset],
        resources={
            "data_dir": DataDir(path=str(data)),
            "alerts": Alerts(webhooks=f"{ok.url}, {broken.url}", timeout_seconds=2, retries=1),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["delivered"].value == 1 and metadata["webhooks"].value == 2
    assert metadata["failed"].value == [{"host": broken.url.split("/hooks")[0], "why": "HTTP 404 after 1 attempt(s)"}]
    assert len(ok.bodies) == 1 and len(broken.bodies) == 1  # a 404 is not retried


@pytest.mark.parametrize("value", ["ftp://example.org/hook", "https://", "not a url"])
def test_a_webhook_setting_that_is_not_an_http_url_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError, match="TOGETHEROS_ALERT_WEBHOOKS: URL 1 of") as refused:
        configured_resources({"TOGETHEROS_ALERT_WEBHOOKS": value})
    assert value not in str(refused.value)  # the URL may be a secret
    urls = configured_resources({"TOGETHEROS_ALERT_WEBHOOKS": "https://a.example/x http://b.example/y"})["alerts"]
    assert urls.urls() == ["https://a.example/x", "http://b.example/y"]
