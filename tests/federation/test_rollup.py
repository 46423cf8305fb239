"""The roll-up rules on small member releases written here (real DuckDB over Parquet): exact sums,
people as lower bounds beside the withheld cells, ratios divided at the hub, secondary suppression."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.federation.config import FederationConfig, HubGroup, Member
from pipelines.federation.extract import ACTIVE_MEMBERS, CONTRIBUTIONS, DELIVERY_DAYS, VOTERS
from pipelines.federation.rollup import build_hub_tables, secondary_suppression
from tests.release.conftest import OTHER_KEY, TEST_KEY

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def _member_release(folder: Path, root: str, city: str, tables: dict[str, list[dict]]) -> Path:
    (folder / "data").mkdir(parents=True)
    groups = [
        {"group_id": root, "name": "Root", "level": "regional", "parent_id": None},
        {"group_id": city, "name": "City", "level": "local", "parent_id": root},
    ]
    for name, rows in {"groups": groups, **tables}.items():
        pq.write_table(pa.Table.from_pylist(rows), folder / "data" / f"{name}.parquet")
    return folder


def _treasury(group, month, inflow, outflow):
    return {"group_id": group, "month": month, "currency": "EUR", "inflow_minor": inflow, "outflow_minor": outflow}


def _people(group, month, count):
    return {"group_id": group, "month": month, "active_members": count, "is_suppressed": count is None}


def _delivery(group, approved, delivered, median=None):
    return {
        "group_id": group,
        "decision_month": JAN,
        "decisions_approved": approved,
        "decisions_delivered": delivered,
        "delivered_on_time": delivered,
        "median_days_to_delivery": median,
        "initiatives_overdue": 1,
        "initiatives_stalled": 0,
    }


@pytest.fixture
def hub_tables(tmp_path):
    a = _member_release(
        tmp_path / "a",
        "ra",
        "ca",
        {
            "treasury_monthly": [_treasury("ra", JAN, 1000, 200), _treasury("ca", JAN, 1000, 200)],
            "participation_monthly": [_people("ra", JAN, 12), _people("ca", JAN, 12)],
            "delivery_rates": [_delivery("ra", 2, 1)],
        },
    )
    b = _member_release(
        tmp_path / "b",
        "rb",
        "cb",
        {
            "treasury_monthly": [_treasury("rb", JAN, 30, 5), _treasury("rb", FEB, 7, 0)],
            "participation_monthly": [_people("rb", JAN, None), _people("cb", JAN, None)],
            "delivery_rates": [_delivery("rb", 10, 9)],
        },
    )
    config = FederationConfig(
        tmp_path / "federation.yaml",
        "Hub",
        (HubGroup("hub", "Hub", "national", None), HubGroup("north", "North", "regional", "hub")),
        (Member("a", "x", "north", TEST_KEY.public_key, 30), Member("b", "y", "hub", OTHER_KEY.public_key, 30)),
    )
    return build_hub_tables(config, {"a": a, "b": b}, k=5)


def _row(table: pa.Table, **where) -> dict:
    rows = [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, (where, rows)
    return rows[0]


def test_members_groups_hang_under_the_hub_groups(hub_tables):
    groups = {r["group_id"]: r for r in hub_tables["groups"].to_pylist()}
    assert groups["a/ra"]["parent_id"] == "north" and groups["b/rb"]["parent_id"] == "hub"
    assert groups["a/ca"]["parent_id"] == "a/ra" and groups["a/ca"]["member"] == "a"
    assert groups["north"]["parent_id"] == "hub" and groups["hub"]["member"] is None


def test_money_is_summed_exactly_per_currency_and_month(hub_tables):
    treasury = hub_tables["treasury_monthly"]
    assert _row(treasury, group_id="hub", month=JAN)["inflow_minor"] == 1030  # the cities' roots, not their cities
    assert _row(treasury, group_id="hub", month=FEB)["inflow_minor"] == 7
    assert _row(treasury, group_id="north", month=JAN)["outflow_minor"] == 200
    assert _row(treasury, group_id="b/rb", month=JAN)["inflow_minor"] == 30  # members' own rows as published


def test_people_are_a_lower_bound_beside_the_withheld_cells(hub_tables):
    hub = _row(hub_tables["participation_monthly"], group_id="hub", month=JAN)
    assert (hub["active_members"], hub["suppressed_cells"], hub["members_reporting"]) == (12, 1, 2)
    north = _row(hub_tables["participation_monthly"], group_id="north", month=JAN)
    assert (north["active_members"], north["suppressed_cells"]) == (12, 0)


def test_ratios_are_divided_at_the_hub_not_averaged(hub_tables):
    hub = _row(hub_tables["delivery_rates"], group_id="hub")
    assert (hub["decisions_approved"], hub["decisions_delivered"]) == (12, 10)
    assert hub["delivery_rate_pct"] == 83.3  # 10 / 12; the mean of 50 % and 90 % would say 70
    assert _row(hub_tables["delivery_rates"], group_id="a/ra")["delivery_rate_pct"] == 50.0


def test_secondary_suppression_withholds_a_total_that_would_reveal_a_small_cell():
    parent_of = {"hub": None, "north": "hub", "south": "hub", "a/r": "north"}
    rows = [
        {"group_id": "hub", "member": None, "month": JAN, "members": 12, "suppressed_cells": 0},
        {"group_id": "north", "member": None, "month": JAN, "members": 9, "suppressed_cells": 0},
        {"group_id": "south", "member": None, "month": JAN, "members": None, "suppressed_cells": 1},  # 3, withheld
        {"group_id": "a/r", "member": "a", "month": JAN, "members": 9, "suppressed_cells": 0},
    ]
    assert secondary_suppression(rows, parent_of, "members", ("month",), k=5) == 1
    assert rows[0]["members"] is None and rows[0]["suppressed_cells"] == 1  # 12 - 9 = 3 would be south's
    assert rows[1]["members"] == 9  # 9 - 9 = 0 reveals nothing
    rows[0]["members"], rows[2]["members"] = 17, 8  # a remainder of 0 or at least K is published
    assert secondary_suppression(rows, parent_of, "members", ("month",), k=5) == 0


def _entry(group, people, **columns):
    return {"group_id": group, "month": JAN.isoformat(), "people": sorted(people), **columns}


SHARED = [f"s{i}" for i in range(1, 7)]  # six people active in both members
A_ONLY, B_ONLY = [f"a{i}" for i in range(1, 7)], [f"b{i}" for i in range(1, 5)]


def _statistics_hub(tmp_path, b_figures=None):
    """Two members whose people overlap, each with the public rows its release would publish, and the
    private extracts the hub opened (b_figures: which of b's figures it sent; default all)."""
    a = _member_release(
        tmp_path / "a",
        "ra",
        "ca",
        {
            "participation_monthly": [_people("ra", JAN, 12)],
            "governance_turnout": [_turnout("ra", 5, 12)],
            "participation_inequality": [_inequality("ra", 12, 24, "0.250", 6)],
            "delivery_rates": [_delivery("ra", 2, 2, Decimal("15.0"))],
        },
    )
    b = _member_release(
        tmp_path / "b",
        "rb",
        "cb",
        {
            "participation_monthly": [_people("rb", JAN, 10)],
            "governance_turnout": [_turnout("rb", 6, 10)],
            "participation_inequality": [_inequality("rb", 10, 20, "0.000", 5)],
            "delivery_rates": [_delivery("rb", 3, 3, Decimal("30.0"))],
        },
    )
    a_people, b_people = SHARED + A_ONLY, SHARED + B_ONLY
    a_contributions = dict.fromkeys(SHARED, 1) | dict.fromkeys(A_ONLY, 3)
    extracts = {
        "a": {
            ACTIVE_MEMBERS: [_entry("ra", a_people)],
            VOTERS: [_entry("ra", A_ONLY[:5])],
            CONTRIBUTIONS: [_entry("ra", a_people, contributions=[a_contributions[p] for p in sorted(a_people)])],
            DELIVERY_DAYS: [{"group_id": "ra", "month": JAN.isoformat(), "days": [10, 20], "decisions": [1, 1]}],
        },
        "b": {
            ACTIVE_MEMBERS: [_entry("rb", b_people)],
            VOTERS: [_entry("rb", B_ONLY + SHARED[:2])],
            CONTRIBUTIONS: [_entry("rb", b_people, contributions=[2] * len(b_people))],
            DELIVERY_DAYS: [{"group_id": "rb", "month": JAN.isoformat(), "days": [5, 30], "decisions": [1, 2]}],
        },
    }
    if b_figures is not None:
        extracts["b"] = {f: e for f, e in extracts["b"].items() if f in b_figures}
    config = FederationConfig(
        tmp_path / "federation.yaml",
        "Hub",
        (HubGroup("hub", "Hub", "national", None), HubGroup("north", "North", "regional", "hub")),
        (Member("a", "x", "north", TEST_KEY.public_key, 30), Member("b", "y", "hub", OTHER_KEY.public_key, 30)),
    )
    opened = {name: {"figures": figures} for name, figures in extracts.items()}
    return build_hub_tables(config, {"a": a, "b": b}, k=5, extracts=opened)


def _turnout(group, voters, active):
    pct = Decimal(100 * voters / active).quantize(Decimal("0.1"))
    return {"group_id": group, "month": JAN, "voters": voters, "active_members": active, "turnout_pct": pct,
            "is_suppressed": False}  # fmt: skip


def _inequality(group, active, contributions, gini, absence):
    return {"group_id": group, "month": JAN, "active_members": active, "contributions": contributions,
            "gini": Decimal(gini), "absence_factor": absence, "is_suppressed": False}  # fmt: skip


def test_turnout_gini_and_median_at_the_hub_are_computed_over_all_its_people_and_decisions(tmp_path):
    tables = _statistics_hub(tmp_path)
    assert _row(tables["participation_monthly"], group_id="hub")["active_members"] == 16  # 6 shared, once
    turnout = _row(tables["governance_turnout"], group_id="hub")
    # 11 distinct voters (5 + 6, none in both) of 16 distinct active: 68.75 rounds half away from zero
    assert (turnout["voters"], turnout["active_members"], turnout["turnout_pct"]) == (11, 16, Decimal("68.8"))
    assert turnout["count_method"] == "exact" and not turnout["is_suppressed"]
    north = _row(tables["governance_turnout"], group_id="north")
    assert (north["voters"], north["active_members"], north["turnout_pct"]) == (5, 12, Decimal("41.7"))
    assert _row(tables["governance_turnout"], group_id="b/rb")["turnout_pct"] == Decimal("60.0")  # as published
    # the shared people's contributions add up (1 + 2): four people made 2, twelve made 3
    inequality = _row(tables["participation_inequality"], group_id="hub")
    assert inequality["contributions"] == 44 and inequality["active_members"] == 16
    assert (inequality["gini"], inequality["absence_factor"]) == (Decimal("0.068"), 8)  # 96 / (2·16²·2.75)
    assert _row(tables["participation_inequality"], group_id="a/ra")["gini"] == Decimal("0.250")
    # days 5, 10, 20, 30, 30: the median is 20 (the median of the medians 15 and 30 would say 22.5)
    assert _row(tables["delivery_rates"], group_id="hub")["median_days_to_delivery"] == Decimal("20.0")
    assert _row(tables["delivery_rates"], group_id="north")["median_days_to_delivery"] == Decimal("15.0")


def test_a_member_whose_extract_lacks_a_figure_leaves_it_inexact_at_the_hub(tmp_path):
    """b's extract from an earlier version: distinct active members only. The hub's active members stay
    exact; turnout, Gini and the median are exact only where b is not below (north)."""
    tables = _statistics_hub(tmp_path, b_figures={ACTIVE_MEMBERS})
    assert _row(tables["participation_monthly"], group_id="hub")["count_method"] == "exact"
    turnout = _row(tables["governance_turnout"], group_id="hub")
    assert turnout["count_method"] == "at_least" and turnout["turnout_pct"] is None
    assert (turnout["voters"], turnout["active_members"]) == (6, 12)  # the largest published: lower bounds
    assert _row(tables["governance_turnout"], group_id="north")["turnout_pct"] == Decimal("41.7")
    inequality = _row(tables["participation_inequality"], group_id="hub")
    assert inequality["gini"] is None and inequality["absence_factor"] is None and inequality["contributions"] == 44
    assert _row(tables["participation_inequality"], group_id="north")["gini"] == Decimal("0.250")
    assert _row(tables["delivery_rates"], group_id="hub")["median_days_to_delivery"] is None
    assert _row(tables["delivery_rates"], group_id="north")["median_days_to_delivery"] == Decimal("15.0")


def test_secondary_suppression_withholds_the_deeper_figure_first():
    """Exact people: 56 at the hub, 42 and 17 in its regions, whose members' roots count 32 + 12 and 17.
    Both the hub (56 - 59 = -3) and north (42 - 44 = -2) would reveal how few people are in two places;
    withholding north alone makes the hub's remainder 56 - 17 = 39, so the hub's figure stays."""
    parent_of = {"hub": None, "north": "hub", "south": "hub", "a/r": "north", "b/r": "north", "c/r": "south"}
    rows = [
        {"group_id": g, "member": m, "month": JAN, "people": n, "suppressed_cells": 0}
        for g, m, n in [
            ("hub", None, 56), ("north", None, 42), ("south", None, 17),
            ("a/r", "a", 32), ("b/r", "b", 12), ("c/r", "c", 17),
        ]
    ]  # fmt: skip
    assert secondary_suppression(rows, parent_of, "people", ("month",), k=5) == 1
    assert [r["people"] for r in rows] == [56, None, 17, 32, 12, 17]
