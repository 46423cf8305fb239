"""Discourse forum API → landing: the JSON pages `parse` reads, fetched since the last run.

`/categories.json`, every `/latest.json` page holding topics bumped since the state's `bumped_at`, each
such topic (`/t/<id>.json`, private messages never stored) and the posts its first page leaves out,
and, with an admin API key, `/admin/users/list/active.json` pages. Paginated lists stop at
`MAX_PAGES` pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.sources.discourse.parse import SOURCE, ShapeError, dig
from pipelines.sources.http import ApiClient, ApiError, FetchError, Sink

log = logging.getLogger(__name__)

POSTS_CHUNK = 20  # posts per /t/{id}/posts.json request, as Discourse's own client asks
MAX_PAGES = 100_000  # a guard against a server that always says "more"


@dataclass(frozen=True)
class Settings:
    url: str | None
    api_key: str | None = field(default=None, repr=False)
    api_username: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            env.get("DISCOURSE_URL") or None,
            env.get("DISCOURSE_API_KEY") or None,
            env.get("DISCOURSE_API_USERNAME") or None,
        )

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers |= {"Api-Key": self.api_key, "Api-Username": self.api_username or "system"}
        return headers


class _Fetch:
    def __init__(self, client: ApiClient, sink: Sink):
        self.client, self.sink = client, sink

    def page(self, file_name: str, path: str, params: dict | None = None, cursor: Any = None) -> Any:
        data, body = self.client.get_json_page(path, params)
        self.sink(file_name, body, {"url": self.client.url_for(path, params), "cursor": cursor})
        return data

    def new_topics(self, since: str | None) -> list[dict]:
        """Topics bumped after `since`, from /latest.json pages (only pages holding news are sunk)."""
        found: dict[int, dict] = {}
        for page in range(MAX_PAGES):
            params = {"page": page}
            data, body = self.client.get_json_page("/latest.json", params)
            topics = [t for t in dig(data, "topic_list", "topics") if isinstance(t, dict)]
            news = [t for t in topics if since is None or str(t.get("bumped_at") or "") > since]
            if news:
                self.sink(
                    f"latest_page_{page}.json",
                    body,
                    {"url": self.client.url_for("/latest.json", params), "cursor": since},
                )
            found |= {
                t["id"]: t for t in news if isinstance(t.get("id"), int) and t.get("archetype") != "private_message"
            }
            # pinned topics stay on top whatever their age; the rest come newest-bumped first
            unpinned_news = [t for t in news if not t.get("pinned")]
            unpinned = [t for t in topics if not t.get("pinned")]
            if not data["topic_list"].get("more_topics_url") or (unpinned and not unpinned_news):
                break
        return sorted(found.values(), key=lambda t: (str(t.get("bumped_at") or ""), t["id"]))

    def topic(self, topic_id: int) -> None:
        data, body = self.client.get_json_page(f"/t/{topic_id}.json")
        if not isinstance(data, dict):
            raise ShapeError(f"/t/{topic_id}.json answered with something other than a topic")
        if data.get("archetype") == "private_message":
            return  # never stored
        meta = {"url": self.client.url_for(f"/t/{topic_id}.json"), "cursor": None}
        self.sink(f"t_{topic_id}.json", body, meta)
        stream = data.get("post_stream") or {}
        have = {p.get("id") for p in stream.get("posts") or [] if isinstance(p, dict)}
        missing = [i for i in stream.get("stream") or [] if i not in have]
        for chunk, start in enumerate(range(0, len(missing), POSTS_CHUNK), start=1):
            params = {"post_ids[]": missing[start : start + POSTS_CHUNK]}
            self.page(f"t_{topic_id}_posts_{chunk}.json", f"/t/{topic_id}/posts.json", params)

    def admin_users(self) -> None:
        for page in range(1, MAX_PAGES):  # admin lists count pages from 1
            params = {"show_emails": "true", "page": page}
            try:
                users = self.page(f"admin_users_{page}.json", "/admin/users/list/active.json", params)
            except ApiError as error:
                if error.status in (403, 404):  # not an admin key: users come from pages and posts only
                    log.warning("discourse: admin users not available (%s); skipping emails", error)
                    return
                raise
            if not users:
                return


def fetch(settings: Settings, sink: Sink, state: dict, *, client: ApiClient | None = None) -> dict:
    """Fetch what changed since `state` ({"bumped_at": newest seen}), sink each page, return the new state.

    On failure raises FetchError whose `state` resumes after the last topic stored completely."""
    client = client or ApiClient(settings.url or "", settings.headers())
    run = _Fetch(client, sink)
    since = state.get("bumped_at")
    done = dict(state)
    try:
        run.page("categories.json", "/categories.json")
        topics = run.new_topics(since)
        for index, topic in enumerate(topics):
            run.topic(topic["id"])
            bumped = str(topic.get("bumped_at") or "")
            following = topics[index + 1].get("bumped_at") if index + 1 < len(topics) else None
            if bumped and bumped != following:  # never resume in the middle of equal timestamps
                done["bumped_at"] = max(bumped, done.get("bumped_at") or "")
        if settings.api_key:
            run.admin_users()
    except (ApiError, ShapeError) as error:
        raise FetchError(SOURCE, done, error) from error
    return done
