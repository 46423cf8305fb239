"""Local value retained (LM3-style) recomputed in plain Python from the native files and the
community's stated assumptions, compared with the released dataset."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tests.metrics.test_timebank import exchanges
from tests.metrics.test_treasury import (
    REPO_ROOT_SEEDS,
    ancestors,
    ratio,
    released,
    round_half_up,
    rows_csv,
    treasury_legs,
)


def assumptions() -> tuple[Decimal, dict[str, Decimal]]:
    rows = rows_csv(REPO_ROOT_SEEDS / "local_value_assumptions.csv")
    share = next(Decimal(r["value"]) for r in rows if r["assumption"] == "respend_share")
    return share, {r["currency"]: Decimal(r["value"]) for r in rows if r["assumption"] == "hour_value"}


def test_local_value_rounds_and_ratio(pipeline_run):
    inbox = pipeline_run.inbox
    chains, legs = ancestors(inbox), treasury_legs(inbox)
    share, hour_value = assumptions()
    r1, r2 = defaultdict(int), defaultdict(int)
    for leg in legs:
        for group in chains[leg["group_id"]]:
            key = (group, leg["month"], leg["currency"])
            r1[key] += leg["amount_minor"] if leg["flow_class"] == "income" else 0
            r2[key] += -leg["amount_minor"] if leg["flow_class"] == "spending" and leg["counterparty_is_local"] else 0
    # hours are valued in the currency of the treasuries nearest above the exchange's group
    subtree = defaultdict(lambda: defaultdict(int))
    for leg in legs:
        for group in chains[leg["group_id"]]:
            subtree[group][leg["currency"]] += 1

    def home_currency(group: str) -> str | None:
        for above in chains[group]:
            if subtree[above]:
                return sorted(subtree[above].items(), key=lambda item: (-item[1], item[0]))[0][0]
        return None

    seconds = defaultdict(int)
    for x in exchanges(inbox):
        currency = home_currency(x["group_id"])
        if currency in hour_value:
            for group in chains[x["group_id"]]:
                seconds[(group, x["month"], currency)] += x["seconds"]
    expected = {}
    for key in set(r1) | set(seconds):
        r3 = round_half_up(r2[key] * share)
        value = round_half_up(seconds[key] * hour_value[key[2]] / 3600) if key in seconds else 0
        expected[key] = (r1[key], r2[key], r3, ratio(r1[key] + r2[key] + r3, r1[key]), value)
    published = {
        (r["group_id"], r["month"], r["currency"]): (
            r["r1_minor"],
            r["r2_minor"],
            r["r3_minor"],
            r["lm3_ratio"],
            r["hours_value_minor"],
        )
        for r in released(pipeline_run, "local_value")
    }
    assert published == expected
