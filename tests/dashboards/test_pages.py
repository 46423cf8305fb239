"""The topic pages over the fixture release (AppTest): figures, charts and tables recomputed here from
the fixture rows; suppressed cells, empty results and absent datasets."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dashboards.charts import day_text
from dashboards.charts.decisions import DECIDIM_STATES
from dashboards.charts.delivery import short_id
from dashboards.navigation import ITEM_PAGES
from tests.dashboards import expectations as expect
from tests.dashboards.release_fixture import AS_OF, NEW_SCHEMAS, contract_metrics
from tests.dashboards.test_app import ONE_GROUP_PER_LEVEL, PAGES, metrics, run_app, texts

PERIOD = {"from": "2025-01", "to": "2025-06"}


def figures(app) -> dict[str, dict[str, Any]]:
    """Every Plotly chart on the page, by its title, as the JSON spec the browser receives."""
    found = {}
    for element in app.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        found[spec["layout"]["title"]["text"]] = spec
    return found


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t.get("name") == name)


def captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


@pytest.mark.parametrize("level", list(ONE_GROUP_PER_LEVEL))
def test_every_page_at_every_level(fixture_release, level):
    # One session per level moving through every page, as a visitor would (the filters carried along).
    app = run_app({"group": ONE_GROUP_PER_LEVEL[level], **PERIOD})
    for page in PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, (page, [e.message for e in app.exception])
        assert app.title, page
        # the public log is the whole release, not one group's; an item's page shows one item, no filters
        if page not in ("data_audit", *(name for name, _, _ in ITEM_PAGES)):
            assert app.selectbox(key="filter_group").value == ONE_GROUP_PER_LEVEL[level]


# what each page says of its data's date, once (the fixture's treasury runs half a year past the rest)
PAGE_AS_OF = {
    "overview": "Data as of 31 Dec 2025 (treasury); 30 Jun 2025 (participation, decisions)",
    "participation": "Data as of 30 Jun 2025",
    "decisions": "Data as of 30 Jun 2025",
    "initiatives": "Data as of 30 Jun 2025",
    "treasury": "Data as of 31 Dec 2025",
    "local_value": "Data as of 31 Dec 2025",
    "time_bank": "Data as of 30 Jun 2025",
}


def test_every_chart_shows_its_definition_and_each_page_its_data_as_of_once(fixture_release):
    definitions = {(m["resource"], m["field"]): m["definition"] for m in contract_metrics()}
    app = run_app({"group": "fed", **PERIOD})
    shown = ""
    for page in PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        notes = captions(app)
        if page in PAGE_AS_OF:
            assert notes.count("Data as of") == 1, (page, notes.count("Data as of"))
            assert PAGE_AS_OF[page] in notes, (page, [n for n in notes.splitlines() if "Data as of" in n])
        shown += notes + texts(app) + " ".join(m.help or "" for m in app.metric)
    # Every definition the new datasets publish appears on some page.
    missing = [key for key, text in definitions.items() if " ".join(text.split()) not in " ".join(shown.split())]
    assert not missing, missing


def test_participation_page(fixture_release):
    group_id = "city-lyon"
    app = run_app({"group": group_id, **PERIOD}, page="participation")
    shown = metrics(app)
    for days in (7, 30):
        cell = expect.rows(fixture_release, "participation_windows", group_id=group_id, as_of=AS_OF, window_days=days)
        assert shown[f"Active in the {days} days to 30 Jun 2025"] == expect.count_text(
            fixture_release, cell[0], "active_members"
        )
    charts = figures(app)
    flow = charts["New and returning members per month"]
    for kind in ("new", "returning"):
        expected = [
            r["members"]
            for r in expect.rows(fixture_release, "participation_member_flow", group_id=group_id, kind=kind)
            if expect.within(r["month"], **{"start": PERIOD["from"], "end": PERIOD["to"]})
        ]
        assert trace(flow, kind.capitalize())["y"] == expected
    gini = [
        float(r["gini"])
        for r in expect.rows(fixture_release, "participation_inequality", group_id=group_id)
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    ]
    assert trace(charts["How evenly contributions spread"], "Gini")["y"] == gini
    cohorts = charts["Members retained, by month they joined"]["data"][0]
    withheld = [
        r
        for r in expect.rows(fixture_release, "participation_cohorts", group_id=group_id)
        if r["is_suppressed"] and expect.within(r["cohort_month"], PERIOD["from"], PERIOD["to"])
    ]
    flat_text = [t for row in cohorts["text"] for t in row]
    assert flat_text.count("<5") == len(withheld) > 0
    assert sum("fewer than 5" in h for row in cohorts["hovertext"] for h in row) == len(withheld)
    assert "0" not in flat_text[: len(withheld)]


def test_participation_suppressed_windows_read_fewer_than_k(fixture_release):
    app = run_app({"group": "city-grenoble", **PERIOD}, page="participation")
    cell = expect.rows(fixture_release, "participation_windows", group_id="city-grenoble", as_of=AS_OF, window_days=7)
    assert cell[0]["is_suppressed"], "the fixture withholds Grenoble's last 7-day window"
    assert metrics(app)["Active in the 7 days to 30 Jun 2025"] == "fewer than 5"
    flow = figures(app)["New and returning members per month"]
    assert all(v is None for v in trace(flow, "New")["y"]), "withheld months have no bar, never 0"
    assert any(a["text"] == "fewer than 5" for a in flow["layout"]["annotations"])


def test_decisions_page(fixture_release):
    group_id = "fed"
    app = run_app({"group": group_id, **PERIOD}, page="decisions")
    charts = figures(app)
    funnel = charts["Proposal funnel: proposals reaching each stage"]["data"][0]
    reached: dict[str, int] = {}
    for r in expect.rows(fixture_release, "governance_funnel", group_id=group_id):
        if expect.within(r["cohort_month"], PERIOD["from"], PERIOD["to"]):
            reached[r["stage"]] = reached.get(r["stage"], 0) + r["proposals_reached"]
    assert dict(zip(funnel["y"], funnel["x"], strict=True)) == {s.capitalize(): n for s, n in reached.items()}

    rates = [
        r
        for r in expect.rows(fixture_release, "delivery_rates", group_id=group_id)
        if expect.within(r["decision_month"], PERIOD["from"], PERIOD["to"])
    ]
    approved, delivered = (
        sum(r["decisions_approved"] for r in rates),
        sum(r["decisions_delivered"] for r in rates),
    )
    on_time = sum(r["delivered_on_time"] for r in rates)
    shown = metrics(app)
    assert shown["Delivery rate"] == f"{100 * delivered / approved:.1f}%"
    assert shown["On time"] == f"{100 * on_time / delivered:.1f}%"
    # over the initiatives under way in the period, as Initiatives & milestones counts them (test_organizer)
    overdue = expect.initiatives_under_way(fixture_release, group_id, PERIOD["from"], PERIOD["to"], flag="is_overdue")
    assert shown["Overdue now"] == f"{len(overdue):,}"
    bars = trace(charts["Delivery by month of decision"], "Delivery rate")["y"]
    assert bars == [float(r["delivery_rate_pct"]) for r in rates]

    turnout = trace(charts["Vote turnout per month"], "This period")
    expected = [
        None if r["is_suppressed"] else float(r["turnout_pct"])
        for r in expect.rows(fixture_release, "governance_turnout", group_id=group_id)
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    ]
    assert turnout["y"] == expected

    decidim = next(d.value for d in app.dataframe if "State" in d.value.columns).set_index("State")
    for state in ("accepted", "rejected"):
        cells = [
            r
            for r in expect.rows(fixture_release, "governance_decidim_proposals", group_id=group_id, state=state)
            if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
        ]
        shown = DECIDIM_STATES[state]  # the state in words, as the table writes it
        assert decidim.loc[shown, "Proposals"] == sum(r["proposals"] for r in cells)
        assert decidim.loc[shown, "Supports"] == sum(r["supports"] for r in cells)


def test_support_points_withheld_months(fixture_release):
    app = run_app({"group": "city-grenoble", **PERIOD}, page="decisions")
    points = figures(app)["Support points allocated"]
    cells = [
        r
        for r in expect.rows(fixture_release, "governance_support_points", group_id="city-grenoble")
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    ]
    assert any(r["is_suppressed"] for r in cells)
    assert trace(points, "Points allocated")["y"] == [r["points_allocated"] for r in cells]
    assert trace(points, "Points allocated")["hovertext"][0] == "fewer than 5"


def test_initiatives_page_and_its_filters(fixture_release):
    app = run_app({"group": "reg-ara", **PERIOD}, page="initiatives")
    ours = [
        r
        for r in fixture_release.tables["delivery_initiatives"]
        if r["group_id"] in expect.subtree("reg-ara")
        and r["decided_on"] <= date(2025, 6, 30)
        and (r["delivered_on"] is None or r["delivered_on"] >= date(2025, 1, 1))
    ]
    shown = metrics(app)
    assert shown["Initiatives"] == str(len(ours))
    assert shown["Overdue now"] == str(sum(r["is_overdue"] for r in ours)) != "0"
    assert shown["Stalled now"] == str(sum(r["is_stalled"] for r in ours)) != "0"
    table = app.dataframe[0].value
    assert len(table) == len(ours)
    gantt = figures(app)["Initiatives and milestones"]
    overdue_rows = {y for y in trace(gantt, "Overdue")["y"] if y}
    assert len(overdue_rows) == sum(r["is_overdue"] for r in ours)
    late = [m for m in fixture_release.tables["delivery_milestones"] if m["is_late"]
            and m["initiative_id"] in {r["initiative_id"] for r in ours}]  # fmt: skip
    assert len(trace(gantt, "Late milestone")["x"]) == len(late)

    app.selectbox(key="filter_show").select("overdue").run()
    table = app.dataframe[0].value
    assert sorted(table["Initiative"].str.split(" · ").str[1]) == sorted(
        short_id(r["initiative_id"]) for r in ours if r["is_overdue"]
    )
    assert (table["State"] == "Overdue").all()
    assert app.query_params["show"] == "overdue"

    app = run_app({"group": "fed", "source": "decidim", **PERIOD}, page="initiatives")
    table = app.dataframe[0].value
    assert set(table["Source"]) == {"decidim"}
    assert len(table) == len(
        [r for r in fixture_release.tables["delivery_initiatives"] if r["source"] == "decidim"
         and (r["delivered_on"] is None or r["delivered_on"] >= date(2025, 1, 1))]
    )  # fmt: skip


def test_treasury_page(fixture_release):
    group_id, start, end = "nat-fr", "2024-10", "2025-03"
    app = run_app({"group": group_id, "from": start, "to": end}, page="treasury")
    charts = figures(app)
    sankey = charts["Where the money came from and went (EUR)"]["data"][0]
    legs = [
        leg
        for leg in fixture_release.tables["treasury_legs"]
        if leg["group_id"] in expect.subtree(group_id)
        and expect.within(leg["month"], start, end)
        and leg["currency"] == "EUR"
    ]
    income = sum(leg["amount_minor"] for leg in legs if leg["flow_class"] == "income")
    out = -sum(leg["amount_minor"] for leg in legs if leg["flow_class"] in ("spending", "fee"))
    assert round(sum(sankey["link"]["value"]), 2) == round((income + out) / 100, 2)
    local = -sum(leg["amount_minor"] for leg in legs if leg["counterparty_is_local"])
    labels = sankey["node"]["label"]
    into_local = sum(v for t, v in zip(sankey["link"]["target"], sankey["link"]["value"], strict=True)
                     if labels[t].endswith("(local)"))  # fmt: skip
    assert round(into_local, 2) == round(local / 100, 2)
    balances = charts["Balances at month end (EUR)"]
    lyon = [
        r["balance_minor"] / 100
        for r in expect.rows(fixture_release, "treasury_balances", account="togetheros-lyon")
        if expect.within(r["month"], start, end)
    ]
    # legends name accounts in words, with the group holding them, never by their internal id
    (shown,) = [t for t in balances["data"] if t["name"].startswith("Lyon: Open Collective")]
    assert shown["y"] == lyon
    assert not [t["name"] for t in balances["data"] if "togetheros-" in t["name"] or ":assets:" in t["name"]]
    fees = [
        r["fees_minor"] / 100
        for r in expect.rows(fixture_release, "treasury_fees", group_id=group_id, currency="EUR")
        if expect.within(r["month"], start, end)
    ]
    assert trace(charts["Fees (EUR)"], "Fees paid")["y"] == fees


def test_treasury_page_shows_the_reconciliation_beside_the_balances(fixture_release):
    app = run_app({"group": "nat-fr", "from": "2024-10", "to": "2025-03"}, page="treasury")
    rows = [r for r in fixture_release.tables["treasury_reconciliation"] if r["group_id"] in expect.subtree("nat-fr")]
    table = next(d.value for d in app.dataframe if "Balance the source states" in d.value.columns)
    assert sorted(table["Account id"]) == sorted(r["account"] for r in rows)
    assert "Grenoble: checking" in set(table["Account"]), "accounts are named in words beside their id"
    by_account = {r["Account id"]: r for r in table.to_dict("records")}
    for row in rows:
        shown = by_account[row["account"]]
        assert shown["Our closing balance"] == expect.money_text(row["closing_balance_minor"], row["currency"])
        if row["difference_minor"] is None:
            assert (shown["Difference"], shown["Status"]) == ("—", "source states no balance")
        else:
            assert shown["Difference"] == expect.money_text(row["difference_minor"], row["currency"])
    # a difference is shown, never hidden: in the table, with where it starts, and in a warning
    grenoble = by_account["grenoble:assets:checking"]
    assert (grenoble["Difference"], grenoble["Status"]) == ("-5.00 EUR", "DISAGREES")
    assert grenoble["First disagreement"] == "ledger:grenoble.journal:1 (1 Jan 2025: -5.00 EUR)"
    assert any("differs from the balance the source" in w.value for w in app.warning)
    # books without an opening balance: the chart says where they start
    start = next(r["starts_on"] for r in rows if r["account"] == "grenoble:assets:checking")
    assert f"Grenoble: checking (EUR): the data start on {day_text(start)} without an opening balance" in captions(app)
    # its balance is unknown: not drawn as a fall from an invented zero; the chart says where the books start
    (balances,) = [f for title, f in figures(app).items() if title.startswith("Balances")]
    assert not [t for t in balances["data"] if t["name"].startswith("Grenoble")]
    (note,) = [a["text"] for a in balances["layout"]["annotations"] if a.get("name") == "note"]
    assert "books start without an opening balance" in note and f"Grenoble: checking, from {day_text(start)}" in note
    assert "Lyon: Open Collective" in [t["name"] for t in balances["data"]], "accounts that start known are drawn"
    summary = next(c for c in captions(app).splitlines() if c.startswith("Chart summary: Balances"))
    assert f"not drawn (books start without an opening balance): Grenoble: checking, from {day_text(start)}" in summary


def test_budget_vs_actual(fixture_release):
    app = run_app({"group": "fed", **PERIOD}, page="treasury")
    lines = [r for r in fixture_release.tables["treasury_budget_vs_actual"] if r["period_end"] >= date(2025, 1, 1)]
    table = next(d.value for d in app.dataframe if "Fund" in d.value.columns)
    assert len(table) == len(lines)
    assert sorted(table["Allocated"]) == sorted(expect.money_text(r["allocated_minor"], r["currency"]) for r in lines)
    bars = figures(app)["Budget lines: allocated and spent (USD)"]
    assert trace(bars, "Reported spent")["x"] == [
        r["reported_spent_minor"] / 100 for r in lines if r["currency"] == "USD"
    ]


def test_local_value_page_shows_the_ratio_its_formula_and_assumptions(fixture_release):
    group_id = "reg-ara"
    app = run_app({"group": group_id, **PERIOD}, page="local_value")
    cells = [
        r
        for r in expect.rows(fixture_release, "local_value", group_id=group_id, currency="EUR")
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    ]
    r1, r2, r3 = (sum(r[c] for r in cells) for c in ("r1_minor", "r2_minor", "r3_minor"))
    shown = metrics(app)
    ratio = (Decimal(r1 + r2 + r3) / Decimal(r1)).quantize(Decimal("0.01"))
    assert shown["Local multiplier (EUR)"] == f"{ratio}"
    for label, amount in (("R2 spent locally (EUR)", r2), ("R3 re-spent (estimate) (EUR)", r3)):
        assert expect.reads_as(shown[label], amount, "EUR"), (label, shown[label])
        assert f"Exact: {expect.money_text(amount, 'EUR')}" in next(m.help for m in app.metric if m.label == label)
    page = texts(app)
    assert "(R1 + R2 + R3) ÷ R1" in page
    formulas = [m["formula"] for m in contract_metrics() if m["resource"] == "local_value"]
    assert formulas and all(f in page for f in formulas), "the formulas and assumptions are shown in full"
    assert f"{r3 / r2:.0%}" in page, "the re-spend share the release assumed"


def test_time_bank_page(fixture_release):
    group_id = "city-lyon"
    app = run_app({"group": group_id, **PERIOD}, page="time_bank")
    seconds = sum(
        r["seconds_exchanged"]
        for r in expect.rows(fixture_release, "timebank_hours_monthly", group_id=group_id)
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    )
    label = "Hours exchanged, Jan 2025 – Jun 2025"
    assert metrics(app)[label] == f"{seconds / 3600:,.1f} h"
    before = sum(
        r["seconds_exchanged"]
        for r in expect.rows(fixture_release, "timebank_hours_monthly", group_id=group_id)
        if expect.within(r["month"], "2024-07", "2024-12")
    )
    assert next(m for m in app.metric if m.label == label).delta == f"{(seconds - before) / 3600:,.1f} h"
    bands = figures(app)["Members by fair-exchange band"]["data"][0]
    by_band = {r["band"]: r for r in expect.rows(fixture_release, "timebank_fair_exchange", group_id=group_id)}
    for name, text in zip(bands["x"], bands["text"], strict=True):
        row = by_band.get(name.replace(" ", "_"))
        assert text == ("0" if row is None else expect.count_text(fixture_release, row, "members"))
    assert "fewer than 5" in bands["text"]
    traders = figures(app)["Members trading time"]
    new = [
        expect.count_text(fixture_release, r, "traders")
        for r in expect.rows(fixture_release, "timebank_traders_monthly", group_id=group_id, trader_status="new")
        if expect.within(r["month"], PERIOD["from"], PERIOD["to"])
    ]
    assert trace(traders, "New traders")["text"] == new


@pytest.mark.parametrize("page", ["participation", "decisions", "initiatives", "treasury", "local_value",
                                  "time_bank"])  # fmt: skip
def test_a_group_without_activity_is_an_empty_result(fixture_release, page):
    app = run_app({"group": "city-annecy", **PERIOD}, page=page)
    assert any("Annecy" in i.value and i.value.startswith("No ") for i in app.info), page
    assert not app.get("plotly_chart") or page == "decisions", "no chart of nothing (decisions keeps stage zeros)"


def test_a_release_without_the_new_datasets_still_works(release_factory):
    release_factory(omit=tuple(NEW_SCHEMAS))
    for page in PAGES:
        app = run_app({"group": "city-lyon"}, page=page)
        if page not in ("overview", "data_audit"):
            assert any("not in this release yet" in i.value for i in app.info), page
