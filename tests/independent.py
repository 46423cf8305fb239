"""An independent implementation of the headline figures, in plain Python, straight from the
native inbox files: no polars, no DuckDB, no dbt. Integration tests compare the released
datasets with it, so a figure is only trusted when two unrelated implementations agree.

It follows the written definitions (docs/methodology*), including which records the source
contracts refuse (e.g. unknown vote types, time-bank hours out of range), not the SQL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

VOTE_TYPES = {"consent", "concern", "abstain", "block"}
STAGES = {"draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed", "archived"}
MAX_HOURS = 24


@dataclass(frozen=True)
class Event:
    person: str
    verb: str
    group_id: str
    ts: datetime
    source: str


def utc(text: str | None) -> datetime | None:
    """The sources' timestamp forms (Z, ' UTC', offsets, zone-less = UTC) as naive UTC."""
    if not text:
        return None
    text = text.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return datetime.fromisoformat(text)
    parsed = datetime.fromisoformat(text.replace(" +", "+").replace(" -", "-"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def ndjson(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a broken line is quarantined by the pipeline
    return rows


def norm(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


# --- groups ---------------------------------------------------------------------------------


def load_groups(inbox: Path) -> dict[str, dict]:
    return {g["group_id"]: g for g in ndjson(inbox / "togetheros" / "groups.ndjson")}


def ancestors(groups: dict[str, dict]) -> dict[str, list[str]]:
    """Each group with itself and every group above it."""
    result = {}
    for group_id in groups:
        chain, current = [], group_id
        while current is not None and current in groups:
            chain.append(current)
            current = groups[current].get("parent_id")
        result[group_id] = chain
    return result


def space_groups(inbox: Path) -> dict[tuple[str, str], str]:
    with (inbox / "community" / "space_groups.csv").open(encoding="utf-8") as handle:
        return {(r["source"], r["space_id"]): r["group_id"] for r in csv.DictReader(handle)}


# --- people ---------------------------------------------------------------------------------


class People:
    """Accounts of every source resolved to one person: same email, else a handle that belongs to
    exactly one email, else the handle, else the account alone."""

    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    def add(self, source: str, account: str, email: str | None, handle: str | None) -> None:
        old_email, old_handle = self.accounts.get((source, account), (None, None))
        self.accounts[(source, account)] = (norm(email) or old_email, norm(handle) or old_handle)

    def resolver(self):
        emails_by_handle = defaultdict(set)
        for email, handle in self.accounts.values():
            if email and handle:
                emails_by_handle[handle].add(email)

        def person(source: str, account: str) -> str:
            email, handle = self.accounts.get((source, account), (None, None))
            if email:
                return "email:" + email
            if handle and len(emails_by_handle.get(handle, ())) == 1:
                return "email:" + next(iter(emails_by_handle[handle]))
            if handle:
                return "handle:" + handle
            return f"account:{source}:{account}"

        return person


# --- sources --------------------------------------------------------------------------------


def _togetheros(inbox: Path, people: People) -> list[tuple]:
    folder = inbox / "togetheros"
    for user in ndjson(folder / "users.ndjson"):
        people.add("togetheros", user["user_id"], user.get("email"), user.get("handle"))
    proposals = {p["proposal_id"]: p for p in ndjson(folder / "proposals.ndjson") if not p.get("deleted_at")}
    group_of_proposal = {pid: p["scope_id"] for pid, p in proposals.items()}
    group_of_initiative = {i["initiative_id"]: i["group_id"] for i in ndjson(folder / "initiatives.ndjson")}
    topics = {t["topic_id"]: t["group_id"] for t in ndjson(folder / "topics.ndjson")}
    raw = [
        ("togetheros", p["author_id"], "proposal.created", p["scope_id"], p["created_at"]) for p in proposals.values()
    ]
    votes = {}
    for vote in ndjson(folder / "proposal_votes.ndjson"):
        if vote.get("vote_type") in VOTE_TYPES and vote["proposal_id"] in proposals:
            key = (vote["proposal_id"], vote["member_id"])
            if key not in votes or (vote.get("updated_at") or "") > (votes[key].get("updated_at") or ""):
                votes[key] = vote
    raw += [
        ("togetheros", v["member_id"], "proposal.voted", group_of_proposal[v["proposal_id"]], v["voted_at"])
        for v in votes.values()
    ]
    raw += [
        ("togetheros", p["author_id"], "forum.posted", topics[p["topic_id"]], p["created_at"])
        for p in ndjson(folder / "forum_posts.ndjson")
        if not p.get("deleted_at") and p["topic_id"] in topics
    ]
    for allocation in ndjson(folder / "support_points_allocations.ndjson"):
        if not 1 <= allocation.get("amount", 0) <= 10:
            continue
        target = allocation["target_id"]
        group = (
            group_of_proposal.get(target)
            if allocation["target_type"] == "proposal"
            else group_of_initiative.get(target)
            if allocation["target_type"] == "initiative"
            else None
        )
        raw.append(("togetheros", allocation["member_id"], "support_points.allocated", group, allocation["created_at"]))
    for exchange in ndjson(folder / "timebank_transactions.ndjson"):
        if exchange.get("status") == "confirmed":
            for side in ("provider_id", "receiver_id"):
                raw.append(("togetheros", exchange[side], "timebank", exchange["group_id"], exchange["confirmed_at"]))
    return raw


def is_members_public_post(post: dict, topic: dict | None) -> bool:
    """A member's public post (the staging rule): not in a private message or deleted topic, not a
    whisper, moderator or small action, not hidden or deleted, not by Discourse's own accounts."""
    return not (
        topic is None
        or topic.get("archetype") == "private_message"
        or topic.get("deleted_at")
        or post.get("post_type", 1) != 1
        or (post.get("username") or "").lower() in ("system", "discobot")
        or post.get("hidden")
        or post.get("user_deleted")
        or post.get("deleted_at")
        or post["user_id"] <= 0
    )


def _discourse(inbox: Path, people: People, spaces: dict) -> list[tuple]:
    folder = inbox / "discourse"
    for path in sorted(folder.glob("admin_users_*.json")):
        for user in json.loads(path.read_text()):
            people.add("discourse", str(user["id"]), user.get("email"), user.get("username"))
    topics, posts = {}, {}
    for path in sorted(folder.glob("latest_page_*.json")):
        page = json.loads(path.read_text())
        for user in page.get("users", []):
            people.add("discourse", str(user["id"]), None, user.get("username"))
        for topic in page["topic_list"]["topics"]:
            topics.setdefault(topic["id"], topic)
    for path in sorted(folder.glob("t_*.json")):
        page = json.loads(path.read_text())
        if "id" in page:
            topics[page["id"]] = page
        for post in page["post_stream"]["posts"]:
            people.add("discourse", str(post["user_id"]), None, post.get("username"))
            if post["id"] not in posts or post.get("version", 1) > posts[post["id"]].get("version", 1):
                posts[post["id"]] = post
    parents = {
        c["id"]: c.get("parent_category_id")
        for c in json.loads((folder / "categories.json").read_text())["category_list"]["categories"]
    }
    raw = []
    for post in posts.values():
        topic = topics.get(post["topic_id"])
        if not is_members_public_post(post, topic):
            continue
        category = topic.get("category_id")
        group = spaces.get(("discourse", str(category))) or spaces.get(("discourse", str(parents.get(category))))
        raw.append(("discourse", str(post["user_id"]), "forum.posted", group, post["created_at"]))
    return raw


def _decidim_csv(archive: zipfile.ZipFile, entity: str) -> list[dict]:
    name = next(n for n in archive.namelist() if n.endswith(f"-open-data-{entity}.csv"))
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _decidim(inbox: Path, people: People, spaces: dict) -> list[tuple]:
    raw = []
    for path in sorted((inbox / "decidim").glob("*-open-data.zip")):
        with zipfile.ZipFile(path) as archive:
            for user in _decidim_csv(archive, "users"):
                people.add("decidim", user["id"], None, user.get("nickname"))
            proposals = {
                p["id"]: p
                for p in _decidim_csv(archive, "proposals")
                if p.get("withdrawn") != "true" and p.get("published_at")
            }
            for proposal in proposals.values():
                group = spaces.get(("decidim", proposal["component/id"]))
                raw.append(("decidim", proposal["author/id"], "proposal.created", group, proposal["published_at"]))
            for comment in _decidim_csv(archive, "proposal_comments"):
                proposal = proposals.get(comment["commentable_id"])
                if proposal:
                    group = spaces.get(("decidim", proposal["component/id"]))
                    raw.append(("decidim", comment["author/id"], "proposal.commented", group, comment["created_at"]))
    return raw


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _timeoverflow(inbox: Path, people: People, spaces: dict) -> list[tuple]:
    folder = inbox / "timeoverflow"
    for user in _csv(folder / "users.csv"):
        people.add("timeoverflow", user["id"], user.get("email"), user.get("username"))
    members = {m["id"]: m["user_id"] for m in _csv(folder / "members.csv")}
    accounts = {a["id"]: a for a in _csv(folder / "accounts.csv")}
    by_transfer = defaultdict(list)
    for movement in _csv(folder / "movements.csv"):
        by_transfer[movement["transfer_id"]].append(movement)
    raw = []
    for movements in by_transfer.values():
        if sum(int(m["amount"]) for m in movements) != 0:
            continue  # a transfer whose movements do not balance is quarantined whole
        for movement in movements:
            account = accounts.get(movement["account_id"])
            if account and account["accountable_type"] == "Member":
                group = spaces.get(("timeoverflow", account["organization_id"]))
                raw.append(
                    ("timeoverflow", members[account["accountable_id"]], "timebank", group, movement["created_at"])
                )
    for path in sorted(folder.glob("hours_*.csv")):
        space = path.stem  # space_groups.csv names an hours sheet by its file stem
        for row in _csv(path):
            hours = Decimal(row["hours"])
            provider, receiver = norm(row["provider"]), norm(row["receiver"])
            if not 0 <= hours <= MAX_HOURS or provider == receiver:
                continue
            for who in (provider, receiver):
                account = hashlib.sha256(who.encode()).hexdigest()
                people.add("timebank_hours", account, who if "@" in who else None, None if "@" in who else who)
                raw.append(("timebank_hours", account, "timebank", spaces.get(("timeoverflow", space)), row["date"]))
    return raw


def load_activity(inbox: Path) -> list[Event]:
    """Every public activity event with the person behind it and the group it belongs to."""
    people, spaces = People(), space_groups(inbox)
    raw = (
        _togetheros(inbox, people)
        + _discourse(inbox, people, spaces)
        + _decidim(inbox, people, spaces)
        + _timeoverflow(inbox, people, spaces)
    )
    person = people.resolver()
    return [
        Event(person(source, str(account)), verb, group, utc(ts), source)
        for source, account, verb, group, ts in raw
        if group and ts and account is not None
    ]


# --- headline figures ------------------------------------------------------------------------


def active_members_monthly(inbox: Path) -> dict[tuple[str, date], int]:
    """(group, first day of month) → distinct people active in the group or any group below it."""
    above = ancestors(load_groups(inbox))
    people = defaultdict(set)
    for event in load_activity(inbox):
        month = event.ts.date().replace(day=1)
        for group in above.get(event.group_id, []):
            people[(group, month)].add(event.person)
    return {key: len(members) for key, members in people.items()}


def proposals_by_stage(inbox: Path) -> dict[tuple[str, str], int]:
    above = ancestors(load_groups(inbox))
    counts = defaultdict(int)
    for proposal in ndjson(inbox / "togetheros" / "proposals.ndjson"):
        if not proposal.get("deleted_at") and proposal.get("status") in STAGES:
            for group in above.get(proposal["scope_id"], []):
                counts[(group, proposal["status"])] += 1
    return dict(counts)


def treasury_monthly(inbox: Path) -> dict[tuple[str, date, str], tuple[int, int]]:
    """(group, month, currency) → (inflow, outflow) in minor units, rolled up the hierarchy."""
    above, spaces = ancestors(load_groups(inbox)), space_groups(inbox)
    totals = defaultdict(lambda: [0, 0])

    def book(group: str | None, when: date, currency: str, minor: int) -> None:
        for ancestor in above.get(group, []):
            totals[(ancestor, when.replace(day=1), currency)][0 if minor > 0 else 1] += abs(minor)

    for path in sorted((inbox / "opencollective").glob("*.csv")):
        for row in _csv(path):
            group = spaces.get(("opencollective", row.get("accountSlug", "")))
            if group and row.get("datetime") and re.fullmatch(r"-?\d+(\.\d+)?", row.get("amount", "")):
                book(group, utc(row["datetime"]).date(), row["currency"], int(Decimal(row["amount"]) * 100))
    for path in sorted((inbox / "ledger").glob("*.journal")):
        group = spaces.get(("ledger", path.stem))
        for when, postings in _journal(path):
            for account, minor, currency in postings:
                if account.split(":")[0].lower() in ("income", "expenses", "revenue", "expense"):
                    book(group, when, currency, -minor)
    return {key: tuple(value) for key, value in totals.items()}


SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}


def _amount(text: str) -> tuple[int, str] | None:
    text = text.strip().replace(",", "")
    match = re.fullmatch(r"(-?)([$€£])?\s*(-?[\d.]+)\s*([A-Z]{3})?", text)
    if not match:
        return None
    sign, symbol, number, code = match.groups()
    value = Decimal(number) * (-1 if sign else 1)
    return int(value * 100), code or SYMBOLS.get(symbol, "USD")


def _journal(path: Path) -> list[tuple[date, list[tuple[str, int, str]]]]:
    """A plain reader for well-formed ledger-cli journals; unbalanced transactions are dropped."""
    transactions, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if re.match(r"\d{4}[-/]\d\d[-/]\d\d", line):
            current = (date.fromisoformat(line[:10].replace("/", "-")), [])
            transactions.append(current)
        elif current and line.startswith((" ", "\t")) and line.strip() and not line.strip().startswith(";"):
            parts = re.split(r"\t| {2,}", line.strip().split(";")[0].strip(), maxsplit=1)
            amount = _amount(parts[1]) if len(parts) > 1 and parts[1].strip() else None
            current[1].append([parts[0].strip(), amount])
        elif not line.strip():
            current = None
    result = []
    for when, postings in transactions:
        known = [p for p in postings if p[1] is not None]
        blank = [p for p in postings if p[1] is None]
        if len(blank) == 1 and known:
            blank[0][1] = (-sum(p[1][0] for p in known), known[0][1][1])
        if blank[1:] or sum(p[1][0] for p in postings) != 0:
            continue
        result.append((when, [(account, amount[0], amount[1]) for account, amount in postings]))
    return result


__all__ = [
    "Event",
    "active_members_monthly",
    "load_activity",
    "load_groups",
    "ancestors",
    "proposals_by_stage",
    "treasury_monthly",
]
