"""Time-bank figures recomputed in plain Python from the demo's native files (TimeOverflow exports,
plain hours sheets, TogetherOS NDJSON), compared with the released datasets, suppression included."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.metrics import parents, suppressed_cells
from tests.metrics.test_treasury import ancestors, month_of, ndjson, norm, released, rows_csv, space_groups

BANDS = [
    (Decimal(2), "excellent"),
    (Decimal(1), "good"),
    (Decimal("0.75"), "balanced"),
    (Decimal("0.5"), "warning"),
]


def hours_seconds(text: str) -> int:
    text = text.strip()
    if ":" in text:
        hours, minutes = text.split(":")
        return int(hours) * 3600 + int(minutes) * 60
    return int((Decimal(text) * 3600).to_integral_value(ROUND_HALF_UP))


class People:
    """One person per normalised email; a handle joins the person of the one email it is seen with
    in any system (as int_members does); otherwise the handle, or the account, stands alone."""

    def __init__(self, inbox: Path):
        pairs = [(u["handle"], u["email"]) for u in ndjson(inbox / "togetheros" / "users.ndjson")]
        for page in sorted((inbox / "discourse").glob("admin_users_*.json")):
            pairs += [(u["username"], u.get("email")) for u in json.loads(page.read_text()) if u["id"] > 0]
        pairs += [(u["username"], u["email"]) for u in rows_csv(inbox / "timeoverflow" / "users.csv")]
        emails = defaultdict(set)
        for handle, email in pairs:
            if norm(handle) and norm(email):
                emails[norm(handle)].add(norm(email))
        self.handle_email = {h: next(iter(e)) for h, e in emails.items() if len(e) == 1}

    def of(self, email: str | None, handle: str | None, account: str) -> str:
        return norm(email) or self.handle_email.get(norm(handle)) or norm(handle) or account


def exchanges(inbox: Path) -> list[dict]:
    """(group, month, seconds, provider, receiver) of every exchange; None for an organization account."""
    people, banks = People(inbox), space_groups(inbox, "timeoverflow")
    out = []
    users = {u["id"]: u for u in rows_csv(inbox / "timeoverflow" / "users.csv")}
    members = {m["id"]: m for m in rows_csv(inbox / "timeoverflow" / "members.csv")}
    accounts = {a["id"]: a for a in rows_csv(inbox / "timeoverflow" / "accounts.csv")}

    def holder(account_id: str) -> str | None:
        account = accounts[account_id]
        if account["accountable_type"] != "Member":
            return None
        user = users.get(members.get(account["accountable_id"], {}).get("user_id"), {})
        return people.of(user.get("email"), user.get("username"), f"timeoverflow:{account_id}")

    transfers = defaultdict(list)
    for movement in rows_csv(inbox / "timeoverflow" / "movements.csv"):
        transfers[movement["transfer_id"]].append(movement)
    for moves in transfers.values():
        credit = next(m for m in moves if int(m["amount"]) > 0)
        debit = next(m for m in moves if int(m["amount"]) < 0)
        group = banks.get(accounts[credit["account_id"]]["organization_id"])
        if group:
            out.append(
                {
                    "group_id": group,
                    "month": month_of(credit["created_at"]),
                    "seconds": int(credit["amount"]),
                    "provider": holder(credit["account_id"]),
                    "receiver": holder(debit["account_id"]),
                }
            )
    for sheet in sorted((inbox / "timeoverflow").glob("hours_*.csv")):
        for r in rows_csv(sheet):
            seconds = hours_seconds(r["hours"])
            if sheet.stem not in banks or seconds <= 0 or norm(r["provider"]) == norm(r["receiver"]):
                continue  # refused by the loader (quarantine)

            def person(value: str) -> str:
                return people.of(value if "@" in value else None, None if "@" in value else value, value)

            out.append(
                {
                    "group_id": banks[sheet.stem],
                    "month": month_of(r["date"]),
                    "seconds": seconds,
                    "provider": person(r["provider"]),
                    "receiver": person(r["receiver"]),
                }
            )
    users_os = {u["user_id"]: u for u in ndjson(inbox / "togetheros" / "users.ndjson")}
    for t in ndjson(inbox / "togetheros" / "timebank_transactions.ndjson"):
        if t["status"] == "confirmed" and t["confirmed_at"]:

            def person(user_id: str) -> str:
                user = users_os.get(user_id, {})
                return people.of(user.get("email"), user.get("handle"), f"togetheros:{user_id}")

            out.append(
                {
                    "group_id": t["group_id"],
                    "month": month_of(t["confirmed_at"]),
                    "seconds": t["hours_seconds"],
                    "provider": person(t["provider_id"]),
                    "receiver": person(t["receiver_id"]),
                }
            )
    return out


def published_as(counts: dict[tuple, int], chains: dict[str, list[str]], k: int) -> dict[tuple, tuple]:
    """(count, is_suppressed) per cell as a release must show it: small cells and the siblings that would
    give them away withheld."""
    withheld = suppressed_cells(counts, parents(chains), k)
    return {key: (None, True) if key in withheld else (n, False) for key, n in counts.items()}


def min_count(run) -> int:
    return json.loads((run.release / "datapackage.json").read_text()).get("togetheros:min_count") or 5


def test_hours_exchanged(pipeline_run):
    chains, expected = ancestors(pipeline_run.inbox), defaultdict(lambda: [0, 0])
    for x in exchanges(pipeline_run.inbox):
        kind = "member_to_member" if x["provider"] and x["receiver"] else "organization"
        for group in chains[x["group_id"]]:
            expected[(group, x["month"], kind)][0] += 1
            expected[(group, x["month"], kind)][1] += x["seconds"]
    published = {
        (r["group_id"], r["month"], r["exchange_kind"]): r for r in released(pipeline_run, "timebank_hours_monthly")
    }
    assert {k: [r["exchanges"], r["seconds_exchanged"]] for k, r in published.items()} == dict(expected)
    for row in published.values():
        assert row["hours_exchanged"] == (Decimal(row["seconds_exchanged"]) / 3600).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )


def member_sides(inbox: Path):
    for x in exchanges(inbox):
        for role, who in (("provided", x["provider"]), ("received", x["receiver"])):
            if who is not None:  # organization accounts are not members
                yield x, role, who


def test_traders_active_and_new(pipeline_run):
    chains, k = ancestors(pipeline_run.inbox), min_count(pipeline_run)
    active = defaultdict(set)
    for x, _, who in member_sides(pipeline_run.inbox):
        for group in chains[x["group_id"]]:
            active[(group, x["month"])].add(who)
    first = {}
    for (group, month), members in sorted(active.items(), key=lambda item: item[0][1]):
        for who in members:
            first.setdefault((group, who), month)
    counts = {}
    for (group, month), members in active.items():
        counts[(group, month, "active")] = len(members)
        counts[(group, month, "new")] = sum(1 for who in members if first[(group, who)] == month)
    expected = published_as(counts, chains, k)
    published = {
        (r["group_id"], r["month"], r["trader_status"]): (r["traders"], r["is_suppressed"])
        for r in released(pipeline_run, "timebank_traders_monthly")
    }
    assert published == expected


def band(provided: int, received: int) -> str:
    if received == 0:
        return "provided_only"
    index = Decimal(provided) / Decimal(received)
    return next((name for edge, name in BANDS if index >= edge), "critical")


def test_fair_exchange_distribution(pipeline_run):
    chains, k = ancestors(pipeline_run.inbox), min_count(pipeline_run)
    sides = list(member_sides(pipeline_run.inbox))
    end = max(x["month"] for x, _, _ in sides)
    start = date(end.year - (end.month <= 5), (end.month - 6) % 12 + 1, 1)
    totals = defaultdict(lambda: [0, 0])
    for x, role, who in sides:
        if start <= x["month"] <= end:
            for group in chains[x["group_id"]]:
                totals[(group, who)][role == "received"] += x["seconds"]
    counts = defaultdict(int)
    for (group, _), (provided, received) in totals.items():
        counts[(group, band(provided, received))] += 1
    published = {(r["group_id"], r["band"]): r for r in released(pipeline_run, "timebank_fair_exchange")}
    assert {key: (r["members"], r["is_suppressed"]) for key, r in published.items()} == published_as(counts, chains, k)
    assert {(r["window_start"], r["window_end"]) for r in published.values()} == {(start, end)}


def bucket(balance: int) -> str:
    if balance < -36000:
        return "owes_over_10h"
    if balance < -7200:
        return "owes_2h_to_10h"
    if balance <= 7200:
        return "within_2h"
    return "owed_2h_to_10h" if balance <= 36000 else "owed_over_10h"


def test_balance_distribution(pipeline_run):
    chains, k = ancestors(pipeline_run.inbox), min_count(pipeline_run)
    balances = defaultdict(int)
    for x, role, who in member_sides(pipeline_run.inbox):
        for group in chains[x["group_id"]]:
            balances[(group, who)] += x["seconds"] if role == "provided" else -x["seconds"]
    counts = defaultdict(int)
    for (group, _), balance in balances.items():
        counts[(group, bucket(balance))] += 1
    published = {
        (r["group_id"], r["balance_bucket"]): (r["members"], r["is_suppressed"])
        for r in released(pipeline_run, "timebank_balance_distribution")
    }
    assert published == published_as(counts, chains, k)


def test_hours_given_equal_hours_received(pipeline_run):
    """Every TimeOverflow transfer moves time from one account to another: its movements cancel."""
    transfers = defaultdict(int)
    for movement in rows_csv(pipeline_run.inbox / "timeoverflow" / "movements.csv"):
        transfers[movement["transfer_id"]] += int(movement["amount"])
    assert set(transfers.values()) == {0}
