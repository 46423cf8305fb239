"""Treasury figures recomputed in plain Python from the demo's native files (Open Collective CSVs,
ledger journals, community CSVs, TogetherOS NDJSON), compared with the released datasets."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

REPO_ROOT_SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
FEE_KINDS = {"HOST_FEE", "PAYMENT_PROCESSOR_FEE", "PLATFORM_TIP", "PLATFORM_FEE"}
BOOK_ROOTS = {"assets", "income", "revenue", "expenses", "expense"}


# ---------- shared readers (also used by the local value and time-bank tests) ----------


def released(run, dataset: str) -> list[dict]:
    return pl.read_parquet(run.release / "data" / f"{dataset}.parquet").to_dicts()


def rows_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def ndjson(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def norm(text: str | None) -> str | None:
    text = (text or "").strip().lower()
    return text or None


def cents(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value(ROUND_HALF_UP))


def round_half_up(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_HALF_UP))


def ratio(numerator: int, denominator: int | None) -> Decimal | None:
    if not denominator or denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def month_of(day: str) -> date:
    return date(int(day[:4]), int(day[5:7]), 1)


def ancestors(inbox: Path) -> dict[str, list[str]]:
    """Every group with itself and each group above it."""
    parent = {g["group_id"]: g["parent_id"] for g in ndjson(inbox / "togetheros" / "groups.ndjson")}
    chains = {}
    for group in parent:
        chain, at = [], group
        while at is not None and at not in chain:
            chain.append(at)
            at = parent.get(at)
        chains[group] = chain
    return chains


def space_groups(inbox: Path, source: str) -> dict[str, str]:
    return {
        r["space_id"]: r["group_id"]
        for r in rows_csv(inbox / "community" / "space_groups.csv")
        if r["source"] == source
    }


def local_payees(inbox: Path) -> dict[str, bool]:
    payees: dict[str, bool] = {}
    for r in rows_csv(inbox / "community" / "local_payees.csv"):
        key = norm(r["counterparty"])
        payees[key] = payees.get(key, False) or r["is_local"].strip().lower() == "true"
    return payees


def member_handles(inbox: Path) -> set[str]:
    """Handles (usernames, nicknames) people use in any of the community's systems."""
    handles = {norm(u["handle"]) for u in ndjson(inbox / "togetheros" / "users.ndjson")}
    for page in sorted((inbox / "discourse").glob("admin_users_*.json")):
        handles |= {norm(u["username"]) for u in json.loads(page.read_text()) if u["id"] > 0}
    for archive in (inbox / "decidim").glob("*.zip"):
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.endswith("-users.csv"):
                    text = zipped.read(name).decode("utf-8-sig").splitlines()
                    handles |= {norm(r["nickname"]) for r in csv.DictReader(text, delimiter=";")}
    handles |= {norm(u["username"]) for u in rows_csv(inbox / "timeoverflow" / "users.csv")}
    for sheet in (inbox / "timeoverflow").glob("hours_*.csv"):
        for r in rows_csv(sheet):
            handles |= {norm(v) for v in (r["provider"], r["receiver"]) if "@" not in v}
    return handles - {None}


# ---------- treasury legs ----------


def opencollective_legs(inbox: Path) -> list[dict]:
    own = space_groups(inbox, "opencollective")
    payees, handles = local_payees(inbox), member_handles(inbox)
    legs = []
    for export in sorted((inbox / "opencollective").glob("*-transactions.csv")):
        for r in rows_csv(export):
            if r.get("accountSlug") not in own:
                continue
            kind, opposite = r["kind"].upper(), norm(r["oppositeAccountSlug"]) or ""
            if kind in FEE_KINDS:
                counterparty = "fees"
            elif opposite in own or kind == "BALANCE_TRANSFER":
                counterparty = "internal_transfer"
            elif (
                opposite.startswith("incognito") or norm(r["oppositeAccountName"]) == "incognito" or opposite in handles
            ):
                counterparty = "individual"
            else:
                counterparty = "organization"
            amount, net = cents(r["amount"]), cents(r["netAmount"]) if r["netAmount"] else None
            leg = {
                "group_id": own[r["accountSlug"]],
                "account": r["accountSlug"],
                "day": r["datetime"][:10],
                "currency": r["currency"],
                "counterparty_is_local": payees.get(opposite, False),
            }
            legs.append(
                {
                    **leg,
                    "flow_id": f"oc:{r['shortId']}",
                    "amount_minor": amount,
                    "category": kind.lower(),
                    "counterparty_type": counterparty,
                }
            )
            if net is not None and net != amount:
                legs.append(
                    {
                        **leg,
                        "flow_id": f"oc:{r['shortId']}:netted_fee",
                        "amount_minor": net - amount,
                        "category": "payment_processor_fee",
                        "counterparty_type": "fees",
                        "counterparty_is_local": False,
                    }
                )
    return legs


POSTING = re.compile(r"^\s+(?P<account>\S(?:.*?\S)?)(?:\s{2,}(?P<amount>-?\$?-?[\d.,]+(?: [A-Z]{3})?))?\s*$")


def parse_journal(path: Path) -> list[dict]:
    """The demo's ledger-cli journals: `date payee` headers, indented postings, at most one amount
    left blank; a transaction that does not balance is dropped (the loader quarantines it)."""
    currency = re.search(r"; currency ([A-Z]{3})", path.read_text()).group(1)
    transactions, current = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(r"^\d{4}/\d{2}/\d{2} ", line):
            day, payee = line.split(" ", 1)
            current = {
                "id": f"{path.name}:{number}",
                "day": day.replace("/", "-"),
                "payee": payee.strip(),
                "postings": [],
            }
            transactions.append(current)
        elif current is not None and line.strip() and not line.strip().startswith(";"):
            match = POSTING.match(line)
            amount = match.group("amount")
            value = cents(re.sub(r"[^\d.-]", "", amount)) if amount else None
            current["postings"].append([match.group("account"), value])
        elif not line.strip():
            current = None
    kept = []
    for t in transactions:
        blanks = [p for p in t["postings"] if p[1] is None]
        total = sum(p[1] for p in t["postings"] if p[1] is not None)
        if len(blanks) == 1:
            blanks[0][1] = -total
        elif total != 0:
            continue
        kept.append({**t, "currency": currency})
    return kept


def ledger_category(account: str, unlisted_payees: set[str]) -> str:
    root, _, rest = account.partition(":")
    second = rest.split(":")[0].strip()
    fingerprint = re.sub(r"[^a-z0-9]", "", second.lower())
    if not second or root.lower() not in BOOK_ROOTS or fingerprint in unlisted_payees:
        return root.lower()
    return f"{root}:{second}".lower()


def is_fee_account(account: str) -> bool:
    """Fees paid: an expense account with a level that says fee(s), charge(s) or commission(s), as a
    word or as the end of a CamelCase name (BankFee), never inside a word (Coffee)."""
    root, *levels = account.split(":")
    words = [w.lower() for level in levels for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", level)]
    return root.lower() in ("expenses", "expense") and bool(
        {"fee", "fees", "charge", "charges", "commission", "commissions"} & set(words)
    )


def ledger_legs(inbox: Path) -> list[dict]:
    books, payees = space_groups(inbox, "ledger"), local_payees(inbox)
    legs = []
    for journal in sorted((inbox / "ledger").glob("*.journal")):
        if journal.stem not in books:
            continue
        transactions = parse_journal(journal)
        unlisted = {
            f
            for t in transactions
            if norm(t["payee"]) not in payees
            if len(f := re.sub(r"[^a-z0-9]", "", t["payee"].lower())) >= 3
        }
        for t in transactions:
            postings = [
                (i, ledger_category(a, unlisted), a.split(":")[0].lower(), v) for i, (a, v) in enumerate(t["postings"])
            ]
            assets = [p for p in postings if p[2] == "assets"]
            if not assets:
                continue
            is_transfer = len(assets) == len(postings)
            listed, local = norm(t["payee"]) in payees, payees.get(norm(t["payee"]), False)
            for index, category, root, value in postings:
                if root == "assets" and not is_transfer:
                    continue
                if is_transfer or root == "equity":
                    counterparty = "internal_transfer"
                elif is_fee_account(t["postings"][index][0]):
                    counterparty = "fees"
                else:
                    counterparty = "organization" if listed else "unclassified"
                legs.append(
                    {
                        "flow_id": f"ledger:{t['id']}:{index}",
                        "group_id": books[journal.stem],
                        "account": f"{journal.stem}:{category if is_transfer else assets[0][1]}",
                        "day": t["day"],
                        "currency": t["currency"],
                        "amount_minor": value if is_transfer else -value,
                        "category": category,
                        "counterparty_type": counterparty,
                        "counterparty_is_local": local,
                    }
                )
    return legs


def flow_class(leg: dict) -> str:
    category = leg["category"]
    if leg["counterparty_type"] == "fees":
        return "fee"
    if leg["counterparty_type"] == "internal_transfer":
        return "internal"
    if category in ("contribution", "added_funds") or category.startswith(("income", "revenue")):
        return "income"
    if category == "expense" or category.startswith(("expenses", "expense:")):
        return "spending"
    return "other"


def treasury_legs(inbox: Path) -> list[dict]:
    legs = opencollective_legs(inbox) + ledger_legs(inbox)
    for leg in legs:
        leg["month"] = month_of(leg["day"])
        leg["flow_class"] = flow_class(leg)
        leg["direction"] = "in" if leg["amount_minor"] >= 0 else "out"
    return legs


# ---------- tests ----------


def test_legs_match_the_native_files(pipeline_run):
    expected = {leg["flow_id"]: leg for leg in treasury_legs(pipeline_run.inbox)}
    published = {row["flow_id"]: row for row in released(pipeline_run, "treasury_legs")}
    assert set(published) == set(expected)
    fields = [
        "group_id",
        "account",
        "month",
        "currency",
        "amount_minor",
        "direction",
        "category",
        "counterparty_type",
        "counterparty_is_local",
        "flow_class",
    ]
    for flow_id, row in published.items():
        assert {f: row[f] for f in fields} == {f: expected[flow_id][f] for f in fields}, flow_id


def test_treasury_monthly_is_the_rolled_up_legs(pipeline_run):
    chains, expected = ancestors(pipeline_run.inbox), defaultdict(lambda: [0, 0])
    for leg in treasury_legs(pipeline_run.inbox):
        for group in chains[leg["group_id"]]:
            cell = expected[(group, leg["month"], leg["currency"])]
            cell[0 if leg["amount_minor"] > 0 else 1] += abs(leg["amount_minor"])
    published = {
        (r["group_id"], r["month"], r["currency"]): [r["inflow_minor"], r["outflow_minor"]]
        for r in released(pipeline_run, "treasury_monthly")
    }
    assert published == dict(expected)


def test_flows_by_category_and_fees(pipeline_run):
    chains = ancestors(pipeline_run.inbox)
    flows, fees, income = defaultdict(int), defaultdict(int), defaultdict(int)
    for leg in treasury_legs(pipeline_run.inbox):
        for group in chains[leg["group_id"]]:
            key = (group, leg["month"], leg["currency"])
            flows[(*key, leg["direction"], leg["category"], leg["counterparty_type"])] += abs(leg["amount_minor"])
            fees[key] += -leg["amount_minor"] if leg["flow_class"] == "fee" else 0
            income[key] += leg["amount_minor"] if leg["flow_class"] == "income" else 0
    published_flows = {
        (r["group_id"], r["month"], r["currency"], r["direction"], r["category"], r["counterparty_type"]): r[
            "amount_minor"
        ]
        for r in released(pipeline_run, "treasury_flows_by_category")
    }
    assert published_flows == dict(flows)
    published_fees = {
        (r["group_id"], r["month"], r["currency"]): (r["fees_minor"], r["income_minor"], r["fee_share"])
        for r in released(pipeline_run, "treasury_fees")
    }
    assert published_fees == {key: (fees[key], income[key], ratio(fees[key], income[key])) for key in fees}


def test_balances_are_running_sums_per_account(pipeline_run):
    legs = treasury_legs(pipeline_run.inbox)
    last = max(leg["month"] for leg in legs)
    change = defaultdict(int)
    for leg in legs:
        change[(leg["group_id"], leg["account"], leg["currency"], leg["month"])] += leg["amount_minor"]
    expected = {}
    for group, account, currency in {k[:3] for k in change}:
        month, balance = min(k[3] for k in change if k[:3] == (group, account, currency)), 0
        while month <= last:
            balance += change.get((group, account, currency, month), 0)
            expected[(group, account, currency, month)] = balance
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    published = {
        (r["group_id"], r["account"], r["currency"], r["month"]): r["balance_minor"]
        for r in released(pipeline_run, "treasury_balances")
    }
    assert published == expected


def test_budget_vs_actual(pipeline_run):
    inbox = pipeline_run.inbox
    chains, legs = ancestors(inbox), treasury_legs(inbox)
    budgets = [b for b in ndjson(inbox / "togetheros" / "budgets.ndjson") if b["group_id"] and b["period_start"]]
    allocated = defaultdict(int)
    for b in budgets:
        allocated[(b["group_id"], b["currency"], b["period_start"], b["period_end"])] += b["allocated_minor"]
    published = {r["budget_id"]: r for r in released(pipeline_run, "treasury_budget_vs_actual")}
    assert set(published) == {b["budget_id"] for b in budgets}
    for b in budgets:
        spent = -sum(
            leg["amount_minor"]
            for leg in legs
            if leg["flow_class"] == "spending"
            and leg["currency"] == b["currency"]
            and b["group_id"] in chains[leg["group_id"]]
            and b["period_start"] <= leg["day"] <= b["period_end"]
        )
        group_allocated = allocated[(b["group_id"], b["currency"], b["period_start"], b["period_end"])]
        row = published[b["budget_id"]]
        assert row["allocated_minor"] == b["allocated_minor"]
        assert row["remaining_minor"] == b["allocated_minor"] - (b["spent_minor"] or 0)
        assert row["reported_spent_share"] == ratio(b["spent_minor"] or 0, b["allocated_minor"])
        assert (row["group_allocated_minor"], row["treasury_spent_minor"]) == (group_allocated, spent)
        assert row["treasury_spent_share"] == ratio(spent, group_allocated)


def test_no_person_reaches_the_legs(pipeline_run):
    """Categories and accounts never carry a payee's or counterparty's name."""
    people = {norm(u["display_name"]) for u in ndjson(pipeline_run.inbox / "togetheros" / "users.ndjson")}
    handles = member_handles(pipeline_run.inbox)
    for row in released(pipeline_run, "treasury_legs"):
        for value in (row["category"], row["account"]):
            assert not any(part in people | handles for part in re.split(r"[:]", value)), value
