"""Discourse: real recorded responses, the malformed corpus's extra cases, and the fetcher against a fake forum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipelines.sources.discourse import fetch as discourse_api
from pipelines.sources.discourse import parse as discourse
from pipelines.sources.http import ApiClient, FetchError
from tests.fakes.discourse_api import ADMIN_KEY, DiscourseForum
from tests.fakes.server import (
    CUT_CONNECTION,
    RATE_LIMIT_JSON,
    RATE_LIMIT_TEXT,
    SERVER_ERROR,
    SLOW,
    TRUNCATED_JSON,
    UNAVAILABLE,
    FakeServer,
)
from tests.sources import checks
from tests.sources.checks import conserved

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / ".." / "shared" / "realdata"
CORPUS = checks.CORPUS / "discourse"


# --- real recorded responses --------------------------------------------------------------------


def real(relative: str) -> Path:
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.mark.parametrize("page", [0, 1])
def test_real_latest_pages_parse_fully(page):
    path = real(f"discourse_sourcecred/latest_order_activity_ascending_false_page_{page}.json")
    data = json.loads(path.read_text())
    result = discourse.parse(path, f"latest_page_{page}.json", "sha")
    conserved(result)
    assert result["topics"].quarantined.height == 0 and result["users"].quarantined.height == 0
    assert sorted(result["topics"].accepted["topic_id"]) == sorted(t["id"] for t in data["topic_list"]["topics"])
    assert result["users"].accepted.height == len(data["users"])
    assert result["topics"].accepted["bumped_at"].null_count() == 0


@pytest.mark.parametrize(
    "relative",
    ["discourse_sourcecred/t_11.json", "discourse_sourcecred/t_21.json", "discourse_api/topic.json"],
)
def test_real_complete_topics_have_every_post_of_the_stream(relative):
    path = real(relative)
    data = json.loads(path.read_text())
    result = discourse.parse(path, f"t_{data['id']}.json", "sha")
    conserved(result)
    posts = result["posts"]
    assert posts.quarantined.height == 0
    assert sorted(posts.accepted["post_id"]) == sorted(data["post_stream"]["stream"])
    assert posts.accepted.height == data["posts_count"]
    assert result["topics"].accepted["topic_id"].to_list() == [data["id"]]


def test_real_two_page_topic_adds_up_to_its_stream():
    first = real("discourse_sourcecred/t_26.json")
    rest = real("discourse_sourcecred/t_26_page_2.json")
    stream = json.loads(first.read_text())["post_stream"]["stream"]
    posts = [
        discourse.parse(first, "t_26.json", "a")["posts"],
        discourse.parse(rest, "t_26_posts_1.json", "b")["posts"],
    ]
    ids = [i for p in posts for i in p.accepted["post_id"]]
    assert sorted(ids) == sorted(stream) and len(ids) == 21


def test_real_offset_timestamps_become_utc():
    result = discourse.parse(real("discourse_api/topic.json"), "t_57.json", "sha")
    first = result["posts"].accepted.filter(post_id=83)["created_at"][0]
    assert str(first) == "2013-02-04 20:26:26.278000"  # 15:26:26.278-05:00


@pytest.mark.parametrize(
    "name",
    [
        "categories_show_subcategory_list_true.json",
        "categories_show_subcategory_list_true_parent_category_id_5.json",
    ],
)
def test_real_categories(name):
    path = real(f"discourse_sourcecred/{name}")
    data = json.loads(path.read_text())
    checked = discourse.parse(path, "categories.json", "sha")["categories"]
    assert checked.quarantined.height == 0
    assert checked.accepted.height == len(data["category_list"]["categories"])
    assert None not in checked.accepted["read_restricted"].to_list()


# --- malformed corpus (the cases: tests/sources/test_corpus.py) --------------------------------


def test_oversized_field_and_file_are_refused(tmp_path, monkeypatch):
    page = [{"id": 1, "username": "u" * 300_000, "email": "a@example.org"}, {"id": 2, "username": "b"}]
    path = tmp_path / "admin_users_1.json"
    path.write_text(json.dumps(page))
    users = discourse.parse(path, "admin_users_1.json", "sha")["users"]
    assert users.quarantined["rule"].to_list() == ["username:max_length"] and users.accepted.height == 1
    monkeypatch.setattr(discourse, "MAX_FILE_BYTES", 1000)
    result = discourse.parse(path, "admin_users_1.json", "sha")
    assert result["users"].quarantined["rule"].to_list() == ["file:too_large"]


def test_a_file_that_is_no_discourse_response_is_refused_not_ignored(tmp_path):
    text, unknown = tmp_path / "notes.txt", tmp_path / "export.json"
    text.write_text("hello")
    unknown.write_text(json.dumps({"rows": [1, 2]}))
    result = discourse.parse(text, "notes.txt", "sha")
    assert result["posts"].quarantined["rule"].to_list() == ["file:unreadable"]
    result = discourse.parse(unknown, "export.json", "sha")
    conserved(result)
    (message,) = result["posts"].quarantined["message"].to_list()
    assert "file:unknown_format" in message and "/posts.json" in message and "export.json" in message


# --- recognised by content, whatever the name -----------------------------------------------------

REAL_FILES = sorted(p.relative_to(REAL).as_posix() for p in REAL.glob("discourse_*/*.json")) if REAL.exists() else []
REAL_KINDS = {  # every real capture, under its capture name, is recognised as what it is
    "categories_": "category list",
    "latest_": "topic list",
    "t_": "topic page",
    "topic.json": "topic page",
    "user_actions_": "user actions",
    "users_": "user page",
}


@pytest.mark.skipif(not REAL_FILES, reason="real data not present")
@pytest.mark.parametrize("relative", REAL_FILES)
def test_every_real_capture_loads_under_its_capture_name(relative):
    path = REAL / relative
    name = path.name
    data = json.loads(path.read_text())
    kind = next(kind for prefix, kind in REAL_KINDS.items() if name.startswith(prefix))
    assert discourse.recognise(data, name)[0] == kind
    result = discourse.parse(path, name, "sha")
    conserved(result)
    assert result and sum(c.accepted.height for c in result.values()) > 0
    assert all(c.quarantined.height == 0 for c in result.values()), name
    # and the same under a name that says nothing
    assert discourse.parse(path, "capture/0001.json", "sha").keys() == result.keys()


def test_real_topic_under_capture_names_has_every_post_of_its_stream():
    """`t_26_page_2.json` (a later page of a topic, a whole topic page in shape) under its capture name:
    the topic's 21 posts, nothing lost."""
    first = real("discourse_sourcecred/t_26.json")
    rest = real("discourse_sourcecred/t_26_page_2.json")
    stream = json.loads(first.read_text())["post_stream"]["stream"]
    batch = discourse.parse_batch([(first, first.name, "a"), (rest, rest.name, "b")])
    assert sorted(batch["posts"].accepted["post_id"]) == sorted(stream) and len(stream) == 21
    assert set(batch["topics"].accepted["topic_id"]) == {26}


def test_real_user_pages_name_their_user():
    system = discourse.parse(real("discourse_sourcecred/users_system.json"), "users_system.json", "s")["users"]
    assert system.accepted.select("user_id", "username").rows() == [(-1, "system")]


POST = {
    "id": 501,
    "topic_id": 77,
    "category_id": 4,
    "post_number": 2,
    "user_id": 12,
    "username": "ana",
    "name": "Ana",
    "created_at": "2024-03-05T10:12:03.321Z",
    "updated_at": "2024-03-05T10:12:03.321Z",
    "post_type": 1,
    "version": 1,
    "raw": "hello",
}


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("posts.json", {"latest_posts": [POST, {**POST, "id": 502, "post_number": 3}]}, "latest posts"),
        ("posts/501.json", POST, "single post"),
        ("t_77_posts.json", {"post_stream": {"posts": [{**POST, "topic_id": None}]}, "id": 77}, "posts of a topic"),
        ("saved/page.json", {"post_stream": {"posts": [{k: v for k, v in POST.items() if k != "topic_id"}]}}, None),
    ],
)
def test_crafted_posts_without_their_topic_page_still_load(tmp_path, name, body, kind):
    path = tmp_path / "file.json"
    path.write_text(json.dumps(body))
    result = discourse.parse(path, name, "sha")
    conserved(result)
    posts = result["posts"]
    if kind is None:  # no topic id anywhere: the post is quarantined, named, not dropped
        assert posts.quarantined["rule"].to_list() == ["topic_id:required"]
        return
    assert discourse.recognise(body, name)[0] == kind
    assert posts.quarantined.height == 0 and set(posts.accepted["topic_id"]) == {77}
    assert "topics" not in result  # no topic row is invented: staging marks the topic incomplete
    if kind != "posts of a topic":
        assert set(posts.accepted["category_id"]) == {4}
    assert result["users"].accepted["username"].to_list() == ["ana"]


def test_crafted_user_directory_and_admin_list_are_users(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"directory_items": [{"post_count": 3, "user": {"id": 5, "username": "bo"}}]}))
    assert discourse.parse(path, "directory.json", "s")["users"].accepted["user_id"].to_list() == [5]
    path.write_text(json.dumps([{"id": 6, "username": "cy", "email": "cy@example.org"}]))
    assert discourse.parse(path, "whatever.json", "s")["users"].accepted["email"].to_list() == ["cy@example.org"]


# --- fetching against the fake forum -------------------------------------------------------------


class Inbox:
    """A sink that keeps the pages as the landing step would: bytes, name, meta."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pages: list[tuple[str, dict]] = []

    def __call__(self, file_name: str, body: bytes, meta: dict) -> None:
        (self.folder / file_name).write_bytes(body)
        self.pages.append((file_name, meta))

    def names(self) -> list[str]:
        return [name for name, _ in self.pages]

    def parse_all(self) -> dict[str, set]:
        ids: dict[str, set] = {"topics": set(), "posts": set(), "users": set(), "categories": set()}
        for path in self.folder.iterdir():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            for entity, checked in discourse.parse(path, path.name, digest).items():
                conserved({entity: checked})
                assert checked.quarantined.height == 0, checked.quarantined
                key = discourse.load_contract("discourse")[entity].key[0]
                ids[entity] |= set(checked.accepted[key])
        return ids


@pytest.fixture
def forum():
    forum = DiscourseForum(topics=7, posts_per_topic=3, per_page=3)
    for _ in range(42):  # topic 4 needs three post requests: 20 in /t/4.json, then 20 + 5
        forum.add_post(4)
    forum.add_private_message(99)
    with FakeServer(retry_after=3, slow_seconds=1.0) as server:
        forum.install(server)
        forum.server = server
        yield forum


def settings_for(forum, key=ADMIN_KEY) -> discourse_api.Settings:
    return discourse_api.Settings.from_env(
        {"DISCOURSE_URL": forum.server.url, "DISCOURSE_API_KEY": key, "DISCOURSE_API_USERNAME": "system"}
    )


def client_for(forum, waits: list, key=ADMIN_KEY, max_retries=3) -> ApiClient:
    return ApiClient(
        forum.server.url,
        settings_for(forum, key).headers(),
        timeout=0.3,
        sleep=waits.append,
        max_retries=max_retries,
    )


def public_posts(forum) -> set:
    return {p["id"] for t in forum.topics.values() if t.archetype == "regular" for p in t.posts}


def test_settings():
    assert not discourse_api.Settings.from_env({}).configured
    settings = discourse_api.Settings.from_env(
        {"DISCOURSE_URL": "https://f.example", "DISCOURSE_API_KEY": "k3y-secret"}
    )
    assert settings.configured and "k3y-secret" not in repr(settings)
    assert settings.headers()["Api-Username"] == "system"


def test_full_fetch_pages_to_the_end_and_parses_back(forum, tmp_path):
    inbox = Inbox(tmp_path)
    state = discourse_api.fetch(settings_for(forum), inbox, {}, client=client_for(forum, []))
    names = inbox.names()
    assert [n for n in names if n.startswith("latest_page_")] == [f"latest_page_{i}.json" for i in range(3)]
    assert not any(n.startswith("t_99") for n in names)  # the private message
    assert not forum.server.requests_to("/t/99.json")
    assert [n for n in names if n.startswith("t_4_posts")] == ["t_4_posts_1.json", "t_4_posts_2.json"]
    assert [n for n in names if n.startswith("admin_users_")] == [f"admin_users_{i}.json" for i in range(1, 5)]
    ids = inbox.parse_all()
    assert ids["posts"] == public_posts(forum)
    assert ids["topics"] == {1, 2, 3, 4, 5, 6, 7}
    assert ids["categories"] == {1, 2} and ids["users"] == {1, 2, 3, 4, 5}
    newest = max(t.bumped_at for t in forum.topics.values() if t.archetype == "regular")
    assert state == {"bumped_at": newest.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    chunks = forum.server.requests_to("/t/{id}/posts.json")
    assert [len(r.query["post_ids[]"]) for r in chunks] == [20, 5]
    for request in forum.server.requests:
        assert request.headers["api-key"] == ADMIN_KEY and request.headers["api-username"] == "system"
    for _, meta in inbox.pages:
        assert ADMIN_KEY not in meta["url"] and meta["url"].startswith(forum.server.url)


def test_incremental_rerun_fetches_nothing_new_then_only_the_bumped_topic(forum, tmp_path):
    state = discourse_api.fetch(settings_for(forum), Inbox(tmp_path), {}, client=client_for(forum, []))
    forum.server.requests.clear()
    again = Inbox(tmp_path)
    assert discourse_api.fetch(settings_for(forum), again, state, client=client_for(forum, [])) == state
    assert not forum.server.requests_to("/t/{id}.json")
    assert not any(n.startswith(("latest_page", "t_")) for n in again.names())
    assert len(forum.server.requests_to("/latest.json")) == 1  # the first page shows nothing is newer

    post = forum.add_post(6, minutes=60 * 24 * 20)
    later = Inbox(tmp_path)
    new_state = discourse_api.fetch(settings_for(forum), later, state, client=client_for(forum, []))
    assert [n for n in later.names() if n.startswith("t_")] == ["t_6.json"]
    assert new_state["bumped_at"] == post["created_at"] > state["bumped_at"]


@pytest.mark.parametrize(
    "failure",
    [RATE_LIMIT_JSON, RATE_LIMIT_TEXT, SERVER_ERROR, UNAVAILABLE, SLOW, TRUNCATED_JSON, CUT_CONNECTION],
)
def test_fetch_survives_each_failure(forum, tmp_path, failure):
    forum.server.fail("/categories.json", failure)  # asked once per run
    for route in ("/latest.json", "/t/{id}.json", "/t/{id}/posts.json"):
        forum.server.fail(route, failure, after=1)
    waits: list[float] = []
    inbox = Inbox(tmp_path)
    discourse_api.fetch(settings_for(forum), inbox, {}, client=client_for(forum, waits))
    assert inbox.parse_all()["posts"] == public_posts(forum)
    assert len(waits) == 4
    if failure in (RATE_LIMIT_JSON, RATE_LIMIT_TEXT):
        assert waits == [3.0] * 4  # Retry-After honoured


def test_failed_fetch_keeps_what_it_sank_and_resumes(forum, tmp_path):
    # the 4th topic request fails for good (more failures than retries)
    forum.server.fail("/t/{id}.json", *[UNAVAILABLE] * 3, after=3)
    inbox = Inbox(tmp_path)
    with pytest.raises(FetchError) as caught:
        discourse_api.fetch(settings_for(forum), inbox, {}, client=client_for(forum, [], max_retries=2))
    error = caught.value
    assert error.cause.status == 503 and ADMIN_KEY not in str(error)
    done_topics = [n for n in inbox.names() if n.startswith("t_") and "_posts_" not in n]
    assert len(done_topics) == 3
    # fetched oldest-bumped first, so the resume state covers exactly the topics stored
    assert error.state["bumped_at"] == max(
        t["bumped_at"] for t in (forum._topic_json(forum.topics[int(n[2:-5])]) for n in done_topics)
    )

    forum.server.requests.clear()
    resumed = Inbox(tmp_path)
    discourse_api.fetch(settings_for(forum), resumed, error.state, client=client_for(forum, []))
    refetched = {n for n in resumed.names() if n.startswith("t_") and "_posts_" not in n}
    assert refetched.isdisjoint(done_topics) and len(refetched) == 4
    assert inbox.parse_all()["posts"] == public_posts(forum)


def test_non_admin_key_skips_emails(forum, tmp_path):
    inbox = Inbox(tmp_path)
    discourse_api.fetch(
        settings_for(forum, "plain-user-key"), inbox, {}, client=client_for(forum, [], key="plain-user-key")
    )
    assert not any(n.startswith("admin_users") for n in inbox.names())
    assert inbox.parse_all()["posts"] == public_posts(forum)


def test_batch_of_files_parses_as_each_file_alone():
    """`parse_batch` checks many pages in one pass; rows, refusals and lineage are those of `parse`."""
    files = [(path, path.name.split("__")[1], "sha-" + path.name) for path in sorted(CORPUS.iterdir())]
    batch = discourse.parse_batch(files)
    alone = [discourse.parse(*file) for file in files]
    assert set(batch) == {entity for result in alone for entity in result}
    for entity, checked in batch.items():
        parts = [result[entity] for result in alone if entity in result]
        assert checked.rows_read == sum(p.rows_read for p in parts)
        for frame in ("accepted", "quarantined"):
            expected = [row for p in parts for row in getattr(p, frame).rows()]
            assert sorted(getattr(checked, frame).rows(), key=repr) == sorted(expected, key=repr), (entity, frame)
