"""A hub's intake of one member, over real HTTP (the dashboard's file server) and from a folder: each trust
rule has its outcome, nothing refused is kept where the roll-up reads, and the last accepted release stays."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dashboards import files
from pipelines.federation.config import Member
from pipelines.federation.intake import MemberIntake
from pipelines.federation.state import HubState
from pipelines.release import SigningKeyConfig
from pipelines.release.signing import prepare_rotation
from pipelines.release.write import switch_latest
from tests.release.conftest import CREATED, OTHER_KEY, TEST_KEY, make_release, resign_as, sample_tables

SOON = CREATED + timedelta(days=1)


class City:
    """One member instance's releases folder, served over local HTTP, and a hub that takes it in."""

    def __init__(self, tmp_path: Path, http: bool = True, pinned: SigningKeyConfig = TEST_KEY):
        self.releases = tmp_path / "city" / "releases"
        self.releases.mkdir(parents=True)
        self.tables = sample_tables()
        self.days = 0
        self.server = files.start(self.releases, "127.0.0.1", 0) if http else None
        where = f"http://127.0.0.1:{self.server.server_address[1]}/releases" if http else str(self.releases)
        self.member = Member("riverside", where, "hub", pinned.public_key, 30)
        self.hub = tmp_path / "hub"

    def publish(self, key: SigningKeyConfig = TEST_KEY) -> Path:
        self.tables["groups"] = self.tables["groups"].slice(0, 7 - self.days % 3)  # each release differs
        release = make_release(
            self.releases, dict(self.tables), signing_key=key, created=CREATED + timedelta(days=self.days)
        )
        self.days += 1
        return release

    def intake(self, now=SOON):
        state = HubState.load(self.hub)
        return MemberIntake(self.member, self.hub, self.hub / "landing", state).run(now=now), HubState.load(self.hub)

    def held(self) -> list[str]:
        return sorted(p.name for p in (self.hub / "members" / "riverside" / "releases").iterdir())

    def close(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def city(tmp_path):
    city = City(tmp_path)
    yield city
    city.close()


def test_first_release_accepted_then_unchanged_then_the_next(city):
    first = city.publish()
    result, state = city.intake()
    assert (result.outcome, result.release_id) == ("accepted", first.name)
    entry = state.members["riverside"]
    assert entry.accepted.release_id == first.name and entry.accepted.key_id == TEST_KEY.key_id
    assert entry.data_as_of == "2025-02-28T23:59:59Z" and entry.status(SOON, 30) == "current"
    landed = list((city.hub / "landing" / "federation-riverside" / "files").glob("*.zip"))
    assert (
        len(landed) == 1
        and landed[0].stem
        == json.loads((city.hub / "landing" / "federation-riverside" / "index.json").read_text())["latest.zip"][
            "sha256"
        ]
    )
    assert city.intake()[0].outcome == "unchanged"
    second, third = city.publish(), city.publish()  # two releases since: the hub fetches the one between by id
    result, state = city.intake()
    assert (result.outcome, result.release_id) == ("accepted", third.name)
    assert city.held() == sorted([first.name, second.name, third.name])
    assert state.members["riverside"].accepted_ids == [first.name, second.name, third.name]


def test_a_tampered_release_is_refused_and_the_accepted_one_kept(city):
    first = city.publish()
    city.intake()
    second = city.publish()
    (second / "data" / "groups.csv").write_text("group_id,name,level,parent_id\nx,Forged,local,\n")
    result, state = city.intake()
    assert result.outcome == "refused" and result.refusal == "SHA256SUMS", result
    assert state.members["riverside"].accepted.release_id == first.name
    assert city.held() == [first.name]  # the refused copy went aside, where nothing reads it
    assert (city.hub / "members" / "riverside" / "refused").is_dir()
    assert state.members["riverside"].refusals[-1]["release_id"] == second.name


def test_a_rollback_is_refused(city):
    first = city.publish()
    city.intake()
    second = city.publish()
    assert city.intake()[0].outcome == "accepted"
    switch_latest(city.releases, first.name)  # the member's `latest` moved back
    result, state = city.intake()
    assert (result.outcome, result.refusal) == ("refused", "rollback")
    assert first.name in result.reason and state.members["riverside"].accepted.release_id == second.name


def test_a_fork_is_refused_and_reported(city):
    first = city.publish()
    city.intake()
    city.publish()
    city.intake()
    switch_latest(city.releases, first.name)
    fork = city.publish()  # a second release claiming `first` as its predecessor
    result, state = city.intake()
    assert (result.outcome, result.refusal, result.release_id) == ("refused", "fork", fork.name)
    assert state.members["riverside"].refusals[-1]["refusal"] == "fork"
    assert fork.name not in city.held()


def test_a_release_signed_by_an_unpinned_key_is_refused(tmp_path):
    city = City(tmp_path, pinned=OTHER_KEY)
    try:
        city.publish(TEST_KEY)
        result, state = city.intake()
        assert (result.outcome, result.refusal) == ("refused", "pinned key"), result
        assert state.members["riverside"].accepted is None and city.held() == []
    finally:
        city.close()


def test_a_key_change_without_a_statement_is_refused_and_with_one_accepted(city, tmp_path):
    city.publish(TEST_KEY)
    city.intake()
    rogue = city.publish()
    resign_as(rogue, OTHER_KEY)  # consistent with itself, signed by another key, no rotation statement
    result, _ = city.intake()
    assert (result.outcome, result.refusal) == ("refused", "key change"), result
    shutil.rmtree(rogue)
    old = SigningKeyConfig(seed=TEST_KEY.seed, development=False, rotations_dir=tmp_path / "rotations")
    new = SigningKeyConfig(seed=OTHER_KEY.seed, development=False, rotations_dir=tmp_path / "rotations")
    switch_latest(city.releases, sorted(p.name for p in city.releases.iterdir() if p.name != "latest")[0])
    prepare_rotation(old, new, city.releases)
    rotated = city.publish(new)
    result, state = city.intake()
    assert (result.outcome, result.release_id) == ("accepted", rotated.name), result
    assert state.members["riverside"].accepted.key_id == OTHER_KEY.key_id


def test_a_member_offline_keeps_its_last_figures_marked_with_their_date(city):
    first = city.publish()
    city.intake()
    city.close()
    city.server = None
    result, state = city.intake(now=SOON + timedelta(days=2))
    assert result.outcome == "offline" and "riverside" == result.member
    entry = state.members["riverside"]
    assert entry.accepted.release_id == first.name and entry.status(SOON, 30) == "offline"
    assert entry.data_as_of == "2025-02-28T23:59:59Z"


def test_stale_past_max_age_from_a_folder(tmp_path):
    city = City(tmp_path, http=False)
    city.publish()
    result, state = city.intake(now=CREATED + timedelta(days=60))
    assert result.outcome == "accepted"
    entry = state.members["riverside"]
    assert entry.status(CREATED + timedelta(days=60), 30) == "stale"
    assert entry.status(CREATED + timedelta(days=10), 30) == "current"


class _Endless(BaseHTTPRequestHandler):
    """A member server whose zip never ends and announces no length: only the running count can stop it."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.end_headers()
        try:
            for _ in range(64):
                self.wfile.write(b"\0" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


def _no_downloads_left(city: City) -> bool:
    return not list((city.hub / "members" / "riverside").glob(".download-*"))


def test_a_download_over_the_limit_is_refused_by_its_content_length(city):
    release = city.publish()
    served = len(files.release_zip(release, release.name))
    city.member = dataclasses.replace(city.member, max_download_bytes=served - 1)
    result, state = city.intake()
    assert (result.outcome, result.refusal) == ("refused", "size"), result
    assert f"{served} bytes announced (Content-Length)" in result.reason and f"{served - 1} bytes" in result.reason
    assert state.members["riverside"].accepted is None and city.held() == [] and _no_downloads_left(city)
    city.member = dataclasses.replace(city.member, max_download_bytes=served)  # exactly the limit: taken in
    assert city.intake()[0].outcome == "accepted"


def test_a_body_that_runs_past_the_limit_is_cut_off_and_refused(city):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        where = f"http://127.0.0.1:{server.server_address[1]}/releases"
        city.member = dataclasses.replace(city.member, releases=where, max_download_bytes=1 << 20)
        result, state = city.intake()
    finally:
        server.shutdown()
        server.server_close()
    assert (result.outcome, result.refusal) == ("refused", "size"), result
    assert "sent more than this member's limit of 1048576 bytes" in result.reason
    assert not (city.hub / "landing" / "federation-riverside").exists() and _no_downloads_left(city)
    assert state.members["riverside"].refusals[-1]["refusal"] == "size"
