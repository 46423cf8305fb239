"""Post a release's new alerts to the configured webhooks: one JSON POST per URL and release.

A timeout per attempt; 429, 5xx, timeouts and dropped connections retried a bounded number of times
with exponential backoff. A webhook that still fails is reported, never raised: the release is already
published. A webhook's URL often is its secret (its path), so only its host is ever shown (which is why
this does not use the API sources' client, whose retry log names the URL's path).
Delivered (url, release) pairs are kept in a state file, so a re-run does not post them again."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from pipelines.alerts.feed import ALERTS_DIR, ALERTS_JSON
from pipelines.sources.http import RETRY_STATUSES


@dataclass(frozen=True)
class Delivery:
    host: str  # the webhook's host only
    delivered: bool
    message: str


def shown(url: str) -> str:
    """What a log may say about a webhook: scheme, host and port, nothing of its path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"


def payload(release_dir: Path) -> dict:
    """The body posted for a release: its id and the alerts it announced (ids, dates, counts only)."""
    new = json.loads((release_dir / ALERTS_DIR / ALERTS_JSON).read_bytes())["new"]
    return {"release_id": release_dir.name, "alerts": new}


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]  # the state file holds no webhook URL


def post_alerts(
    release_dir: Path, urls: list[str], state_file: Path, *, timeout: float, retries: int, backoff: float = 0.5
) -> list[Delivery]:
    """POST the release's new alerts to every URL not yet given this release; returns one Delivery per
    URL tried. A release with no new alert posts nothing."""
    body = payload(release_dir)
    if not body["alerts"]:
        return []
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    deliveries = []
    with httpx.Client(timeout=timeout) as client:
        for url in urls:
            if state.get(_key(url)) == body["release_id"]:
                continue
            failure = _post(client, url, body, retries, backoff)
            if failure:
                deliveries.append(Delivery(shown(url), False, failure))
                continue
            state[_key(url)] = body["release_id"]
            deliveries.append(Delivery(shown(url), True, f"{len(body['alerts'])} alert(s) delivered"))
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    return deliveries


def _post(client: httpx.Client, url: str, body: dict, retries: int, backoff: float) -> str | None:
    """POST with bounded retries; None once a 2xx came back, else why it failed (no URL in it)."""
    why = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            status = client.post(url, json=body).status_code
        except httpx.TimeoutException:
            why = f"no answer within {client.timeout.read:g} s"
            continue
        except httpx.TransportError as error:
            why = f"connection failed ({type(error).__name__})"
            continue
        if 200 <= status < 300:
            return None
        why = f"HTTP {status}"
        if status not in RETRY_STATUSES:
            break
    return f"{why} after {attempt + 1} attempt(s)"
