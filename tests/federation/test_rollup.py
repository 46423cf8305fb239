"""The roll-up rules on small member releases written here (real DuckDB over Parquet): exact sums,
people as lower bounds beside the withheld cells, ratios divided at the hub, secondary suppression."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.federation.config import FederationConfig, HubGroup, Member
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


def _delivery(group, approved, delivered):
    return {
        "group_id": group,
        "decision_month": JAN,
        "decisions_approved": approved,
        "decisions_delivered": delivered,
        "delivered_on_time": delivered,
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
