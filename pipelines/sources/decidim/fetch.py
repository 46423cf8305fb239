"""Decidim GraphQL API → landing: proposal pages (`graphql_proposals_<N>.json`) that `parse` reads.

Every proposals component of every participatory process is paged through with its GraphQL cursor,
from where the state says the last run stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.sources.decidim.parse import DEFAULT_CURRENCY, SOURCE, valid_currency
from pipelines.sources.http import ApiClient, ApiError, FetchError, Sink

COMPONENTS_QUERY = "{ participatoryProcesses { id components { id __typename } } }"
PROPOSALS_QUERY = """
query($id: ID!, $after: String) {
  component(id: $id) {
    id
    __typename
    ... on Proposals {
      proposals(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          id state reference publishedAt answeredAt withdrawnAt createdAt updatedAt
          voteCount endorsementsCount totalCommentsCount
          author { id name }
        } }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Settings:
    url: str | None
    currency: str = DEFAULT_CURRENCY

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(env.get("DECIDIM_URL") or None, valid_currency(env.get("DECIDIM_CURRENCY")))

    @property
    def configured(self) -> bool:
        return bool(self.url)


class GraphQLError(Exception):
    pass


def _graphql(client: ApiClient, query: str, variables: dict | None = None) -> tuple[dict, bytes]:
    data, body = client.post_json_page("/api", {"query": query, "variables": variables or {}})
    if not isinstance(data, dict) or data.get("errors") or not isinstance(data.get("data"), dict):
        errors = data.get("errors") if isinstance(data, dict) else data
        raise GraphQLError(f"{client.url_for('/api')}: GraphQL errors: {json.dumps(errors)[:300]}")
    return data["data"], body


def _proposal_components(client: ApiClient) -> list[str]:
    data, _ = _graphql(client, COMPONENTS_QUERY)
    return [
        str(c["id"])
        for p in data.get("participatoryProcesses") or []
        for c in p.get("components") or []
        if c.get("__typename") == "Proposals"
    ]


def fetch(settings: Settings, sink: Sink, state: dict, *, client: ApiClient | None = None) -> dict:
    """Proposals added since `state` ({"cursors": {component id: endCursor}}) as GraphQL pages.

    Each page is sunk before its cursor counts; on failure FetchError.state resumes after the last page
    stored."""
    client = client or ApiClient(settings.url or "", {"Accept": "application/json"})
    cursors = dict(state.get("cursors") or {})
    page = 0
    try:
        for component_id in _proposal_components(client):
            after = cursors.get(component_id)
            while True:
                data, body = _graphql(client, PROPOSALS_QUERY, {"id": component_id, "after": after})
                connection = ((data.get("component") or {}).get("proposals")) or {}
                info = connection.get("pageInfo") or {}
                if connection.get("edges"):
                    page += 1
                    where = json.dumps({"component": component_id, "after": after})  # landing keeps text
                    sink(
                        f"graphql_proposals_{page}.json",
                        body,
                        {"url": client.url_for("/api"), "cursor": where},
                    )
                if info.get("endCursor"):
                    after = cursors[component_id] = info["endCursor"]
                if not info.get("hasNextPage"):
                    break
    except (ApiError, GraphQLError, AttributeError, KeyError, TypeError) as error:
        raise FetchError(SOURCE, {**state, "cursors": cursors}, error) from error
    return {**state, "cursors": cursors}
