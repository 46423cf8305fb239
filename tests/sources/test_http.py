"""The shared API client against a real local HTTP server and each scripted failure."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.sources.http import ApiClient, ApiError, public_url, retry_after_seconds
from tests.fakes.server import (
    CUT_CONNECTION,
    RATE_LIMIT_JSON,
    RATE_LIMIT_TEXT,
    SERVER_ERROR,
    SLOW,
    TRUNCATED_JSON,
    UNAVAILABLE,
    FakeServer,
    Reply,
)

SECRET = "s3cr3t-api-key-value"


@pytest.fixture
def server():
    with FakeServer(retry_after=7, slow_seconds=1.0) as fake:
        fake.route("/items.json", lambda req: {"items": [1, 2, 3], "page": req.arg("page")})
        fake.route("/api", lambda req: {"data": {"echo": req.json()}}, method="POST")
        yield fake


def client_for(server: FakeServer, waits: list[float], **options) -> ApiClient:
    return ApiClient(
        server.url, {"Api-Key": SECRET, "Api-Username": "system"}, timeout=0.3, sleep=waits.append, **options
    )


def test_plain_get_sends_headers_and_params(server):
    waits: list[float] = []
    assert client_for(server, waits).get_json("/items.json", {"page": 2}) == {"items": [1, 2, 3], "page": "2"}
    (request,) = server.requests
    assert request.headers["api-key"] == SECRET and request.query == {"page": ["2"]}
    assert waits == []


@pytest.mark.parametrize(
    ("failure", "expected_wait"),
    [
        (RATE_LIMIT_JSON, 7.0),
        (RATE_LIMIT_TEXT, 7.0),
        (SERVER_ERROR, 0.5),
        (UNAVAILABLE, 0.5),
        (SLOW, 0.5),
        (TRUNCATED_JSON, 0.5),
        (CUT_CONNECTION, 0.5),
    ],
)
def test_each_failure_is_retried_then_answered(server, failure, expected_wait):
    waits: list[float] = []
    server.fail("/items.json", failure)
    assert client_for(server, waits).get_json("/items.json")["items"] == [1, 2, 3]
    assert waits == [expected_wait]
    assert len(server.requests_to("/items.json")) == 2


def test_discourse_wait_seconds_used_without_retry_after_header(server):
    waits: list[float] = []
    body = {"errors": ["wait 39 seconds"], "error_type": "rate_limit", "extras": {"wait_seconds": 39}}
    server.fail("/items.json", Reply.json(body, status=429))
    client_for(server, waits).get_json("/items.json")
    assert waits == [39.0]


def test_retry_after_as_http_date_and_capped_by_max_wait(server):
    waits: list[float] = []
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.fail(
        "/items.json",
        Reply(429, b"busy", {"Retry-After": later}),
        Reply(429, b"busy", {"Retry-After": "3600"}),
    )
    client_for(server, waits, max_wait=60).get_json("/items.json")
    assert 25 <= waits[0] <= 30 and waits[1] == 60


def test_backoff_grows_exponentially_then_gives_up_with_clean_error(server):
    waits: list[float] = []
    server.fail("/items.json", *[UNAVAILABLE] * 4)
    client = client_for(server, waits, max_retries=3, backoff=0.5)
    with pytest.raises(ApiError) as caught:
        client.get_json("/items.json", {"page": 1, "api_key": SECRET})
    assert waits == [0.5, 1.0, 2.0]
    error = caught.value
    assert error.status == 503 and "gave up after 3 retries" in str(error)
    assert error.url == f"{server.url}/items.json?page=1"
    assert SECRET not in str(error) and SECRET not in error.url


def test_client_errors_are_not_retried_and_hide_credentials(server):
    waits: list[float] = []
    server.fail("/items.json", Reply(403, f"bad key {SECRET}".encode()))
    with pytest.raises(ApiError) as caught:
        client_for(server, waits).get("/items.json")
    assert caught.value.status == 403 and "check the API key" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert waits == [] and len(server.requests) == 1


def test_unknown_path_is_a_404_error(server):
    with pytest.raises(ApiError) as caught:
        client_for(server, []).get_json("/nope.json")
    assert caught.value.status == 404


def test_post_json_retries_truncated_body(server):
    waits: list[float] = []
    server.fail("/api", TRUNCATED_JSON, method="POST")
    answer = client_for(server, waits).post_json("/api", {"query": "{ x }"})
    assert answer == {"data": {"echo": {"query": "{ x }"}}}
    assert [r.json() for r in server.requests_to("/api", "POST")] == [{"query": "{ x }"}] * 2


def test_failures_start_after_good_answers(server):
    server.fail("/items.json", UNAVAILABLE, after=2)
    waits: list[float] = []
    client = client_for(server, waits)
    for _ in range(3):
        client.get_json("/items.json")
    assert waits == [0.5] and len(server.requests) == 4


def test_connection_refused_is_an_api_error():
    waits: list[float] = []
    with FakeServer() as fake:
        url = fake.url
    client = ApiClient(url, sleep=waits.append, max_retries=2, timeout=0.3)
    with pytest.raises(ApiError, match="connection failed"):
        client.get("/x")
    assert len(waits) == 2


def test_public_url_drops_credentials():
    url = "https://user:pw@forum.example.org:8443/a.json?api_key=K&page=2&personalToken=T"
    assert public_url(url) == "https://forum.example.org:8443/a.json?page=2"


def test_retry_after_parsing():
    now = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("12", lambda: now) == 12
    assert retry_after_seconds("Tue, 05 Mar 2024 10:00:40 GMT", lambda: now) == 40
    assert retry_after_seconds("Tue, 05 Mar 2024 09:00:00 GMT", lambda: now) == 0
    assert retry_after_seconds("soon", lambda: now) is None and retry_after_seconds(None) is None
