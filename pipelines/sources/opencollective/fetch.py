"""Open Collective GraphQL v2 API → landing: `transactions` pages (`graphql_transactions_<offset>.json`)
that `parse` reads, oldest first, from where the state says the last run stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.sources.http import Sink

DEFAULT_URL = "https://api.opencollective.com/graphql/v2"
TRANSACTIONS_QUERY = """
query Transactions($slug: String!, $limit: Int!, $offset: Int!, $dateFrom: DateTime) {
  transactions(account: {slug: $slug}, limit: $limit, offset: $offset, dateFrom: $dateFrom,
               orderBy: {field: CREATED_AT, direction: ASC}) {
    totalCount
    offset
    limit
    nodes {
      id legacyId group type kind description createdAt isRefund
      amount { value currency valueInCents }
      amountInHostCurrency { value currency valueInCents }
      netAmountInHostCurrency { value currency valueInCents }
      balanceInHostCurrency { value currency valueInCents }
      account { slug name }
      oppositeAccount { slug name }
      refundTransaction { id }
      expense { tags }
    }
  }
}
"""


def _page_size(text: str | None) -> int:
    """OPENCOLLECTIVE_PAGE_SIZE: transactions per GraphQL page, empty for 1000."""
    try:
        size = int(text or 1000)
    except ValueError:
        size = 0
    if size <= 0:
        raise ValueError(f"OPENCOLLECTIVE_PAGE_SIZE={text!r}: transactions per page is a positive whole number")
    return size


class OpenCollectiveError(Exception):
    """The API answered, but not with transactions (GraphQL errors, a page of the wrong shape)."""


@dataclass(frozen=True)
class Settings:
    url: str = DEFAULT_URL
    token: str | None = None
    slug: str | None = None
    page_size: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            url=env.get("OPENCOLLECTIVE_URL") or DEFAULT_URL,
            token=env.get("OPENCOLLECTIVE_TOKEN") or None,
            slug=env.get("OPENCOLLECTIVE_SLUG") or None,
            page_size=_page_size(env.get("OPENCOLLECTIVE_PAGE_SIZE")),
        )

    @property
    def configured(self) -> bool:
        return bool(self.slug)

    def __repr__(self) -> str:  # never show the token
        return f"Settings(url={self.url!r}, slug={self.slug!r}, token={'***' if self.token else None})"


def fetch(settings: Settings, sink: Sink, state: dict, *, client: Any = None) -> dict:
    """Fetch the account's transactions created since `state`, oldest first, one page per sink call.

    `state` is `{"date_from": ISO timestamp | None, "offset": int}`: the query's dateFrom and how many of
    its results are already landed. It is updated in place after every page that was sunk, so when a
    page fails for good (ApiError after the client's retries, OpenCollectiveError) the caller still holds
    the state to resume from. At the end it moves to the newest createdAt seen, with offset = how many
    transactions carry exactly that timestamp (dateFrom is inclusive). Returns `state`."""
    from pipelines.sources.http import ApiClient

    if not settings.configured:
        raise ValueError("Open Collective is not configured: set OPENCOLLECTIVE_SLUG")
    headers = {"Content-Type": "application/json"}
    if settings.token:
        headers["Personal-Token"] = settings.token
    own_client = client is None
    client = client or ApiClient(settings.url, headers)
    date_from, offset = state.get("date_from"), int(state.get("offset") or 0)
    newest, at_newest = date_from, offset
    try:
        while True:
            variables = {
                "slug": settings.slug,
                "limit": settings.page_size,
                "offset": offset,
                "dateFrom": date_from,
            }
            body = client.post_json(settings.url, {"query": TRANSACTIONS_QUERY, "variables": variables})
            page = _transactions_page(body)
            nodes = page["nodes"]
            cursor = {"date_from": date_from, "offset": offset}
            sink(
                f"graphql_transactions_{offset}.json",
                json.dumps(body, ensure_ascii=False).encode(),
                {
                    "url": client.url_for(settings.url),
                    "cursor": cursor,
                    "total_count": page.get("totalCount"),
                },
            )
            for node in nodes:
                created = node.get("createdAt") if isinstance(node, dict) else None
                if created and created == newest:
                    at_newest += 1
                elif created and (newest is None or created > newest):
                    newest, at_newest = created, 1
            offset += len(nodes)
            state.update(date_from=date_from, offset=offset)
            if not nodes or offset >= int(page.get("totalCount") or 0):
                break
    finally:
        if own_client:
            client.close()
    if newest != date_from:
        state.update(date_from=newest, offset=at_newest)
    return state


def _transactions_page(body: Any) -> dict:
    if isinstance(body, dict) and body.get("errors"):
        messages = "; ".join(
            str(e.get("message", e))[:200] if isinstance(e, dict) else str(e)[:200] for e in body["errors"]
        )
        raise OpenCollectiveError(f"GraphQL errors: {messages}")
    try:
        page = body["data"]["transactions"]
        if not isinstance(page["nodes"], list):
            raise TypeError("nodes is not a list")
    except (KeyError, TypeError) as error:
        raise OpenCollectiveError(f"not a transactions page: {type(error).__name__} {error}") from None
    return page
