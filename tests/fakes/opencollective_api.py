"""A fake Open Collective GraphQL v2 endpoint on the local test server.

It answers the `transactions(account:{slug}, limit, offset, dateFrom, orderBy)` query the way the real
API does: `{"data": {"transactions": {"totalCount", "offset", "limit", "nodes": […]}}}`, filtering by
dateFrom (inclusive) and ordering by createdAt ascending; a wrong Personal-Token gets 401.
Rate limiting, 5xx and truncated bodies are injected with the server's `fail`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.server import FakeServer, Reply, Request

PATH = "/graphql/v2"
RATE_LIMIT = Reply.json({"error": {"message": "Rate limit exceeded"}}, status=429, headers={"Retry-After": "3"})


def make_transaction(n: int, start: datetime = datetime(2024, 3, 1, tzinfo=UTC), slug: str = "coop-commons") -> dict:
    """The n-th contribution: a CREDIT on the collective (gross 10.00 + n cents, 1.00 fee)."""
    created = start + timedelta(hours=n)
    cents = 1000 + n
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "legacyId": 100000 + n,
        "group": f"10000000-0000-4000-8000-{n:012d}",
        "type": "CREDIT",
        "kind": "CONTRIBUTION",
        "description": f"Monthly contribution {n}",
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "isRefund": False,
        "amount": {"value": cents / 100, "currency": "USD", "valueInCents": cents},
        "amountInHostCurrency": {"value": cents / 100, "currency": "USD", "valueInCents": cents},
        "netAmountInHostCurrency": {
            "value": (cents - 100) / 100,
            "currency": "USD",
            "valueInCents": cents - 100,
        },
        "balanceInHostCurrency": None,
        "account": {"slug": slug, "name": "Coop Commons"},
        "oppositeAccount": {"slug": f"backer-{n}", "name": f"Backer {n}"},
        "refundTransaction": None,
        "expense": None,
    }


class FakeOpenCollective:
    def __init__(self, server: FakeServer, transactions: list[dict], token: str | None = None):
        self.server = server
        self.transactions = transactions
        self.token = token
        server.route(PATH, self._answer, method="POST")

    @property
    def url(self) -> str:
        return self.server.url + PATH

    def queries(self) -> list[dict]:
        """The variables of every transactions query received, in order."""
        return [r.json()["variables"] for r in self.server.requests_to(PATH, method="POST")]

    def _answer(self, request: Request) -> Reply | dict:
        if self.token is not None and request.headers.get("personal-token") != self.token:
            return Reply.json({"error": {"message": "Invalid personal token"}}, status=401)
        body = request.json()
        if "transactions(" not in body.get("query", ""):
            return {"errors": [{"message": "Cannot query field"}]}
        variables = body["variables"]
        date_from = variables.get("dateFrom")
        matching = sorted(
            (
                t
                for t in self.transactions
                if t["account"]["slug"] == variables["slug"] and (date_from is None or t["createdAt"] >= date_from)
            ),
            key=lambda t: (t["createdAt"], t["legacyId"]),
        )
        offset, limit = variables["offset"], variables["limit"]
        return {
            "data": {
                "transactions": {
                    "totalCount": len(matching),
                    "offset": offset,
                    "limit": limit,
                    "nodes": matching[offset : offset + limit],
                }
            }
        }
