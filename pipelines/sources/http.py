"""The one HTTP client every API connector uses: retries what is worth retrying, never leaks secrets.

Retried: 429 (waiting `Retry-After` seconds or until its HTTP-date, else Discourse's JSON
`extras.wait_seconds`, else exponential backoff), 500/502/503/504, timeouts, dropped connections
and bodies that are not complete JSON when JSON was asked for. Anything else, or still failing
after `max_retries` retries, raises `ApiError` whose URL and message carry no credentials.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

log = logging.getLogger(__name__)

# Where a fetcher hands each page it fetched: (file name, body bytes, meta with `url` and `cursor`).
Sink = Callable[[str, bytes, dict], None]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# query parameters that carry credentials in some APIs; dropped from every URL we show
SECRET_PARAMS = frozenset(
    {
        "api_key",
        "api_username",
        "apikey",
        "personaltoken",
        "token",
        "access_token",
        "key",
        "secret",
        "password",
    }
)


PLAIN_HEADERS = frozenset({"accept", "content-type", "user-agent", "accept-language"})


class ApiError(Exception):
    """A request that failed for good. `url` has no credentials in it."""

    def __init__(self, url: str, status: int | None, message: str):
        self.url = url
        self.status = status
        self.message = message
        super().__init__(f"{url}: {'HTTP ' + str(status) if status else 'no response'}: {message}")


def public_url(url: str | httpx.URL) -> str:
    """`url` without user:password and without credential query parameters."""
    parts = urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in pairs if k.lower() not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))


def retry_after_seconds(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """`Retry-After` is either delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _discourse_wait_seconds(response: httpx.Response) -> float | None:
    try:
        wait = response.json().get("extras", {}).get("wait_seconds")
    except (ValueError, AttributeError):
        return None  # the per-IP middleware answers in plain text
    return float(wait) if isinstance(wait, int | float) else None


class FetchError(Exception):
    """A fetch that failed part-way. What it got is already sunk; `state` is the incremental state
    to resume from (everything before it is safely stored)."""

    def __init__(self, source: str, state: dict, cause: Exception):
        self.source, self.state, self.cause = source, state, cause
        super().__init__(f"{source} fetch stopped: {cause}")


class _Retry(Exception):
    def __init__(self, status: int | None, message: str, wait: float | None = None):
        self.status, self.message, self.wait = status, message, wait


class ApiClient:
    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 10,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_wait: float = 120,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        # header values that may be credentials, never to appear in an error message
        self._secrets = [v for k, v in (headers or {}).items() if k.lower() not in PLAIN_HEADERS and v and len(v) >= 4]
        self._http = httpx.Client(headers=dict(headers or {}), timeout=httpx.Timeout(timeout))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The full URL of a request, fit to log or store: no credentials."""
        return public_url(httpx.URL(self._absolute(path), params=params))

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self._request("GET", path, params=params)[0]

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params, want_json=True)[1]

    def post_json(self, path: str, body: Any) -> Any:
        return self._request("POST", path, body=body, want_json=True)[1]

    def get_json_page(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[Any, bytes]:
        """The parsed JSON and the exact bytes received, for sinking a page unchanged."""
        response, data = self._request("GET", path, params=params, want_json=True)
        return data, response.content

    def post_json_page(self, path: str, body: Any) -> tuple[Any, bytes]:
        response, data = self._request("POST", path, body=body, want_json=True)
        return data, response.content

    def _absolute(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        want_json: bool = False,
    ) -> tuple[httpx.Response, Any]:
        url = self._absolute(path)
        shown = self.url_for(path, params)
        last: _Retry | None = None
        for attempt in range(self.max_retries + 1):
            if last is not None:
                wait = last.wait if last.wait is not None else self.backoff * 2 ** (attempt - 1)
                wait = min(wait, self.max_wait)
                log.warning(
                    "%s %s: %s; retry %d/%d in %.1fs",
                    method,
                    shown,
                    last.message,
                    attempt,
                    self.max_retries,
                    wait,
                )
                self.sleep(wait)
            try:
                return self._attempt(method, url, params, body, want_json)
            except _Retry as retry:
                last = retry
            except ApiError as error:
                raise ApiError(shown, error.status, self._scrub(error.message)) from None
        assert last is not None
        message = f"{last.message} (gave up after {self.max_retries} retries)"
        raise ApiError(shown, last.status, self._scrub(message))

    def _attempt(
        self, method: str, url: str, params: Mapping[str, Any] | None, body: Any, want_json: bool
    ) -> tuple[httpx.Response, Any]:
        try:
            response = self._http.request(method, url, params=params, json=body)
        except httpx.TimeoutException:
            raise _Retry(None, "timed out") from None
        except httpx.TransportError as error:
            raise _Retry(None, f"connection failed ({type(error).__name__})") from None
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is None:
                wait = _discourse_wait_seconds(response)
            raise _Retry(status, "rate limited", wait)
        if status in RETRY_STATUSES:
            raise _Retry(status, "server error", retry_after_seconds(response.headers.get("Retry-After")))
        if not 200 <= status < 300:
            hint = " (check the API key and username settings)" if status in (401, 403) else ""
            raise ApiError("", status, f"{response.reason_phrase}{hint}: {response.text[:200]!r}")
        if not want_json:
            return response, None
        try:
            return response, json.loads(response.content)
        except ValueError as error:
            raise _Retry(status, f"body is not complete JSON ({error})") from None
