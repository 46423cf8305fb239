"""releases.py and queries.py against a real release on disk: release discovery, bound-parameter queries,
the package zip."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st

from dashboards import queries, releases
from tests.dashboards import expectations as expect
from tests.dashboards.release_fixture import GROUPS, MONTHS, NEW_SCHEMAS, SUPPRESSED_CELL, public_contracts


def test_latest_release_reads_the_descriptor(fixture_release):
    release = releases.latest_release()
    assert release.id == fixture_release.release_id
    assert release.path == str(fixture_release.release_dir.resolve())
    assert release.min_count == 5 and release.data_as_of == "2025-06-30T23:59:59Z"
    metric = release.metric("participation_monthly", "active_members")
    assert metric.label == "Active members" and metric.caveats == "Counts below 5 are suppressed."
    assert release.metric("participation_monthly", "no_such_field") is None
    assert release.has_dataset("treasury_monthly") and not release.has_dataset("initiatives_monthly")


def test_no_release_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(tmp_path))
    assert releases.latest_release() is None


def test_a_dataset_listed_but_missing_on_disk_is_absent(release_factory):
    fixture_release = release_factory()
    (fixture_release.release_dir / "data" / "treasury_monthly.parquet").unlink()
    assert not releases.latest_release().has_dataset("treasury_monthly")


def test_paths_cannot_escape_the_release(fixture_release):
    with pytest.raises(releases.ReleaseUnavailable):
        releases.latest_release().file("../../etc/passwd")


def test_groups_in_hierarchy_order(fixture_release):
    tree = queries.groups(releases.latest_release())
    assert len(tree) == len(GROUPS)
    depth = dict(zip(tree["group_id"], tree["depth"], strict=True))
    assert (depth["fed"], depth["nat-fr"], depth["reg-ara"], depth["city-lyon"]) == (0, 1, 2, 3)
    order = list(tree["group_id"])
    for group_id, _, _, parent in GROUPS:
        if parent:
            assert order.index(parent) < order.index(group_id), "every group comes after its parent"
    # Each region is followed directly by its cities (depth-first), not by the other nation.
    assert order[order.index("reg-ara") + 1 : order.index("reg-ara") + 4] == [
        "city-annecy",
        "city-grenoble",
        "city-lyon",
    ]


def test_months_cover_the_fixture(fixture_release):
    assert queries.months(releases.latest_release()) == [f"{m:%Y-%m}" for m in MONTHS]


def test_participation_filters_group_and_period(fixture_release):
    group_id, month = SUPPRESSED_CELL
    frame = queries.participation_monthly(releases.latest_release(), group_id, "2025-04", f"{month:%Y-%m}")
    assert [f"{m:%Y-%m}" for m in frame["month"]] == ["2025-04", "2025-05", "2025-06"]
    last = frame.iloc[-1]
    assert bool(last["is_suppressed"]) and pd.isna(last["active_members"])
    assert (
        frame.iloc[0]["active_members"]
        == expect.participation_cell(fixture_release, group_id, "2025-04")["active_members"]
    )
    assert queries.participation_monthly(releases.latest_release(), "city-annecy", "2024-07", "2025-06").empty


def test_values_are_bound_not_spliced(fixture_release):
    # A quote in a filter value is data, not SQL: it matches nothing instead of breaking the query.
    frame = queries.participation_monthly(releases.latest_release(), "fed' or '1'='1", "2024-07", "2025-06")
    assert frame.empty


def test_proposals_by_stage_lists_every_stage(fixture_release):
    frame = queries.proposals_by_stage(releases.latest_release(), "city-grenoble")
    assert tuple(frame["stage"]) == queries.PROPOSAL_STAGES
    assert not frame["is_suppressed"].any()
    for stage, count in zip(frame["stage"], frame["proposals"], strict=True):
        assert count == expect.proposals(fixture_release, "city-grenoble", stage)


def test_treasury_totals_per_currency(fixture_release):
    frame = queries.treasury_totals(releases.latest_release(), "fed", "2024-09", "2025-02")
    expected = expect.treasury_totals(fixture_release, "fed", "2024-09", "2025-02")
    assert {r.currency: (r.inflow_minor, r.outflow_minor) for r in frame.itertuples()} == expected


def test_audit_tables_filter_by_source(fixture_release):
    release = releases.latest_release()
    assert queries.sources(release) == sorted({r["source"] for r in fixture_release.tables["load_audit"]})
    assert len(queries.load_audit(release, None)) == len(fixture_release.tables["load_audit"])
    togetheros = queries.quarantine_reasons(release, "togetheros")
    assert list(togetheros["rule"]) == ["created_at_not_null"]


def test_package_zip_holds_every_file_and_is_deterministic(fixture_release):
    release = releases.latest_release()
    first = releases.package_zip(release.path, release.id)
    st.cache_data.clear()
    assert releases.package_zip(release.path, release.id) == first, "same files, same zip bytes"
    archive = zipfile.ZipFile(io.BytesIO(first))
    names = {n.removeprefix(f"{release.id}/") for n in archive.namelist()}
    on_disk = {
        p.relative_to(fixture_release.release_dir).as_posix()
        for p in fixture_release.release_dir.rglob("*")
        if p.is_file()
    }
    assert names == on_disk
    for line in (fixture_release.release_dir / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ")
        assert hashlib.sha256(archive.read(f"{release.id}/{path}")).hexdigest() == digest


_ARROW_TYPES = {
    "varchar": pa.string(),
    "string": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def _arrow_type(data_type: str) -> pa.DataType:
    if data_type.startswith("decimal("):
        precision, scale = data_type.removeprefix("decimal(").removesuffix(")").split(",")
        return pa.decimal128(int(precision), int(scale))
    return _ARROW_TYPES[data_type]


def test_fixture_schemas_follow_the_dbt_contracts():
    contracts = public_contracts()
    for name, fields in NEW_SCHEMAS.items():
        declared = {c["name"]: _arrow_type(c["data_type"]) for c in contracts[name]}
        assert declared == fields, name


def test_subtree_and_list_parameters(fixture_release):
    release = releases.latest_release()
    assert queries.subtree(release, "reg-ara") == sorted(expect.subtree("reg-ara"))
    legs = queries.treasury_links(release, "reg-ara", "2024-07", "2025-06")
    expected = {
        leg["group_id"]
        for leg in fixture_release.tables["treasury_legs"]
        if leg["group_id"] in expect.subtree("reg-ara")
    }
    assert set(legs["treasury"]) == {fixture_release.group(g)["name"] for g in expected}
    assert (legs["amount_minor"] > 0).all()
    # A quoted id in the list is a value, never SQL.
    assert queries.delivery_milestones(release, ["x') or true --"]).empty


def test_group_months_reads_only_the_datasets_it_knows(fixture_release):
    release = releases.latest_release()
    with pytest.raises(ValueError):
        queries.group_months(release, "groups", "fed", "2024-07", "2025-06")
    fees = queries.group_months(release, "treasury_fees", "fed", "2025-01", "2025-03")
    expected = [
        r
        for r in fixture_release.tables["treasury_fees"]
        if r["group_id"] == "fed" and expect.within(r["month"], "2025-01", "2025-03")
    ]
    assert len(fees) == len(expected) and "group_id" not in fees


def test_local_value_totals_recompute_the_ratio(fixture_release):
    totals = queries.local_value_totals(releases.latest_release(), "fed", "2025-01", "2025-06").set_index("currency")
    for currency in ("EUR", "USD"):
        cells = [
            r
            for r in expect.rows(fixture_release, "local_value", group_id="fed", currency=currency)
            if expect.within(r["month"], "2025-01", "2025-06")
        ]
        r1, r2, r3 = (sum(r[c] for r in cells) for c in ("r1_minor", "r2_minor", "r3_minor"))
        assert totals.loc[currency, "r2_minor"] == r2
        assert totals.loc[currency, "lm3_ratio"] == round((r1 + r2 + r3) / r1, 4)


def test_a_long_initiative_list_keeps_the_most_urgent_and_counts_the_rest(fixture_release):
    from datetime import date

    release = releases.latest_release()
    rows = [
        r
        for r in fixture_release.tables["delivery_initiatives"]
        if r["decided_on"] <= date(2025, 6, 30) and (r["delivered_on"] is None or r["delivered_on"] >= date(2025, 1, 1))
    ]
    counts = queries.delivery_initiative_counts(release, "fed", "2025-01", "2025-06", None)
    assert counts["all"] == len(rows) > 3
    assert counts["overdue"] == sum(r["is_overdue"] for r in rows) > 0
    assert counts["delivered"] == sum(r["delivered_on"] is not None for r in rows)
    first = queries.delivery_initiatives(release, "fed", "2025-01", "2025-06", None, limit=2)
    everything = queries.delivery_initiatives(release, "fed", "2025-01", "2025-06", None)
    assert len(everything) == counts["all"]
    assert list(first["initiative_id"]) == list(everything["initiative_id"][:2])
    assert first["is_overdue"].iloc[0]  # the most urgent first
