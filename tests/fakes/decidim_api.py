"""A small Decidim GraphQL API (POST /api) behind a FakeServer, with graphql-ruby style cursors.

Answers `participatoryProcesses { id components { id __typename } }` and
`component(id:) { ... on Proposals { proposals(first:, after:) } }` in the real response shapes.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from tests.fakes.server import FakeServer, Reply, Request

START = datetime(2024, 3, 1, 9, 0, 0)
PAGE_SIZE = 50  # Decidim's maximum per page


def cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def offset(value: str | None) -> int:
    return int(base64.b64decode(value).decode()) if value else 0


class DecidimPlatform:
    def __init__(self, proposals_per_component: dict[str, int] | None = None):
        counts = proposals_per_component or {"11": 120, "12": 3}
        self.processes = [
            {
                "id": "1",
                "components": [{"id": cid, "__typename": "Proposals"} for cid in counts]
                + [{"id": "20", "__typename": "Meetings"}],
            }
        ]
        self.proposals: dict[str, list[dict]] = {cid: [] for cid in counts}
        self._next_id = 1000
        for cid, count in counts.items():
            for _ in range(count):
                self.add_proposal(cid)

    def add_proposal(self, component_id: str, state: str | None = "evaluating") -> dict:
        self._next_id += 1
        moment = START + timedelta(hours=self._next_id - 1000)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S+01:00")
        node = {
            "id": str(self._next_id),
            "state": state,
            "reference": f"TOS-PROP-2024-03-{self._next_id}",
            "publishedAt": stamp,
            "answeredAt": None,
            "withdrawnAt": None,
            "createdAt": stamp,
            "updatedAt": stamp,
            "voteCount": self._next_id % 7,
            "endorsementsCount": 1,
            "totalCommentsCount": 2,
            "author": {"id": str(self._next_id % 9 + 1), "name": f"Participant {self._next_id % 9}"},
        }
        self.proposals[component_id].append(node)
        return node

    def install(self, server: FakeServer) -> None:
        server.route("/api", self.api, method="POST")

    def all_ids(self) -> set[int]:
        return {int(n["id"]) for nodes in self.proposals.values() for n in nodes}

    def api(self, req: Request) -> dict | Reply:
        body = req.json()
        query, variables = body.get("query", ""), body.get("variables") or {}
        if "participatoryProcesses" in query:
            return {"data": {"participatoryProcesses": self.processes}}
        component_id = variables.get("id")
        if component_id not in self.proposals:
            return {"data": None, "errors": [{"message": f"Couldn't find component {component_id}"}]}
        nodes = self.proposals[component_id]
        start = offset(variables.get("after"))
        page = nodes[start : start + PAGE_SIZE]
        edges = [{"node": n, "cursor": cursor(start + i + 1)} for i, n in enumerate(page)]
        return {
            "data": {
                "component": {
                    "id": component_id,
                    "__typename": "Proposals",
                    "proposals": {
                        "pageInfo": {
                            "hasNextPage": start + PAGE_SIZE < len(nodes),
                            "endCursor": edges[-1]["cursor"] if edges else None,
                        },
                        "edges": edges,
                    },
                }
            }
        }
