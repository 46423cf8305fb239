"""Expected figures, computed straight from the fixture rows (never from the dashboard's own code)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.dashboards.release_fixture import GROUPS, FixtureRelease


def month(key: str) -> date:
    year, number = key.split("-")
    return date(int(year), int(number), 1)


def participation_cell(release: FixtureRelease, group_id: str, key: str) -> dict[str, Any] | None:
    return next(
        (r for r in release.tables["participation_monthly"] if r["group_id"] == group_id and r["month"] == month(key)),
        None,
    )


def active_members_text(release: FixtureRelease, group_id: str, key: str) -> str:
    """What the Overview must show: the count with thousands separators, or 'fewer than K'."""
    cell = participation_cell(release, group_id, key)
    if cell is None:
        return "no data"
    return f"fewer than {release.min_count}" if cell["is_suppressed"] else f"{cell['active_members']:,}"


def proposals(release: FixtureRelease, group_id: str, stage: str) -> int:
    return sum(
        r["proposals"]
        for r in release.tables["proposals_by_stage"]
        if r["group_id"] == group_id and r["stage"] == stage
    )


def treasury_totals(release: FixtureRelease, group_id: str, start: str, end: str) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for row in release.tables["treasury_monthly"]:
        if row["group_id"] == group_id and month(start) <= row["month"] <= month(end):
            inflow, outflow = totals.get(row["currency"], (0, 0))
            totals[row["currency"]] = (inflow + row["inflow_minor"], outflow + row["outflow_minor"])
    return totals


def money_text(amount_minor: int, currency: str) -> str:
    """The fixture's currencies (EUR, USD) have two decimals."""
    return f"{amount_minor / 100:,.2f} {currency}"


def last_month(release: FixtureRelease) -> str:
    latest = max(r["month"] for r in release.tables["participation_monthly"])
    return f"{latest:%Y-%m}"


def first_month(release: FixtureRelease) -> str:
    earliest = min(r["month"] for r in release.tables["participation_monthly"])
    return f"{earliest:%Y-%m}"


def month_before(key: str) -> str:
    start = month(key)
    return f"{start.year - 1}-12" if start.month == 1 else f"{start.year}-{start.month - 1:02d}"


def rows(release: FixtureRelease, dataset: str, **equal: Any) -> list[dict[str, Any]]:
    """The fixture rows of a dataset whose columns equal the given values."""
    return [r for r in release.tables[dataset] if all(r[k] == v for k, v in equal.items())]


def within(value: date, start: str, end: str) -> bool:
    """True when a month (or a day) falls in the months start..end."""
    last = month(end)
    last_day = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return month(start) <= value < last_day


def subtree(group_id: str) -> set[str]:
    found, frontier = {group_id}, [group_id]
    while frontier:
        parent = frontier.pop()
        children = [g[0] for g in GROUPS if g[3] == parent]
        found.update(children)
        frontier += children
    return found


def count_text(release: FixtureRelease, row: dict[str, Any], column: str) -> str:
    return f"fewer than {release.min_count}" if row["is_suppressed"] else f"{row[column]:,}"


def initiatives_under_way(
    release: FixtureRelease, group_id: str, start: str, end: str, flag: str | None = None
) -> list[dict[str, Any]]:
    """The initiatives every overdue/stalled count is over: of the group's subtree, decided by the end of
    month `end` and not delivered before month `start` (with `flag`, only those where it is true)."""
    last_day = (month(end).replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return [
        r
        for r in release.tables["delivery_initiatives"]
        if r["group_id"] in subtree(group_id)
        and (r["decided_on"] is None or r["decided_on"] <= last_day)
        and (r["delivered_on"] is None or r["delivered_on"] >= month(start))
        and (flag is None or r[flag])
    ]


def reads_as(compact: str, amount_minor: int, currency: str) -> bool:
    """A compact headline ('35.5K EUR') is the amount to its shown precision (half its last digit)."""
    number, unit = compact.rsplit(" ", 1)
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}.get(number[-1], 1)  # Babel's short compact form in English
    digits = number.rstrip("KMB")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    shown = float(digits.replace(",", "")) * scale
    return unit == currency and abs(shown - amount_minor / 100) <= 0.5 * 10**-decimals * scale
