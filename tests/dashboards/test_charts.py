"""dashboards/charts/ and formatting.py: pure functions, checked on their figures' traces and values."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import charts
from dashboards.formatting import (
    format_count,
    format_money,
    month_label,
    months_between,
    previous_period,
    shift_month,
    to_major,
)


def participation(rows: list[tuple[date, int | None, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "active_members", "is_suppressed"])


def test_active_members_trend_draws_both_periods_on_the_same_months():
    current = participation(
        [(date(2025, 4, 1), 30, False), (date(2025, 5, 1), None, True), (date(2025, 6, 1), 34, False)]
    )
    previous = participation(
        [(date(2025, 1, 1), 25, False), (date(2025, 2, 1), 27, False), (date(2025, 3, 1), 29, False)]
    )
    fig = charts.active_members_trend(current, previous, period_months=3, min_count=5)

    assert isinstance(fig, go.Figure)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"This period", "Previous period"}
    this, before = by_name["This period"], by_name["Previous period"]
    assert list(this.x) == ["2025-04-01", "2025-05-01", "2025-06-01"]
    assert list(this.y) == [30, None, 34], "a suppressed month is a gap, never 0"
    assert list(before.x) == list(this.x), "the previous period is shifted onto the current months"
    assert list(before.y) == [25, 27, 29]
    assert "Jan 2025: 25" in before.hovertext[0], "hover names the real previous month"
    assert "fewer than 5" in this.hovertext[1]
    assert [a.text for a in fig.layout.annotations] == ["fewer than 5"]
    assert this.line.color == charts.OKABE_ITO["blue"] and before.line.dash == "dash"
    # at a hub's own group a withheld month is only withheld: it may stand for more than K people
    hub = charts.active_members_trend(current, previous, period_months=3, min_count=None)
    hub_this = next(t for t in hub.data if t.name == "This period")
    assert hub_this.hovertext[1] == "May 2025: withheld" and [a.text for a in hub.layout.annotations] == ["withheld"]
    points = charts.support_points(
        pd.DataFrame(
            {"month": [date(2025, 4, 1)], "allocations": [None], "points_allocated": [None], "allocators": [None],
             "is_suppressed": [True]}
        ),
        min_count=None,
    )  # fmt: skip
    assert [t.hovertext[0] for t in points.data] == ["withheld", "withheld"]


def test_proposals_by_stage_is_horizontal_in_lifecycle_order():
    frame = pd.DataFrame(
        {
            "stage": ["draft", "voting", "decided"],
            "proposals": [4, None, 9],
            "is_suppressed": [False, True, False],
        }
    )
    fig = charts.proposals_by_stage(frame, min_count=5)
    (bar,) = fig.data
    assert isinstance(bar, go.Bar) and bar.orientation == "h"
    assert list(bar.y) == ["Draft", "Voting", "Decided"] and list(bar.x) == [4, None, 9]
    assert list(bar.text) == ["4", "fewer than 5", "9"], "a suppressed stage has no bar and says so"
    assert fig.layout.yaxis.autorange == "reversed", "the first stage is on top"


def test_treasury_flows_in_major_units_of_one_currency():
    frame = pd.DataFrame(
        {
            "month": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1)],
            "currency": ["EUR", "EUR", "JPY"],
            "inflow_minor": [12_345, 100, 5_000],
            "outflow_minor": [2_000, 0, 700],
        }
    )
    fig = charts.treasury_flows(frame, "EUR")
    inflow, outflow = fig.data
    assert (inflow.name, outflow.name) == ("Inflow", "Outflow")
    assert list(inflow.y) == [123.45, 1.0] and list(outflow.y) == [20.0, 0.0]
    assert list(inflow.x) == ["2025-01-01", "2025-02-01"]
    assert fig.layout.barmode == "group"
    assert (inflow.marker.color, outflow.marker.color) == (charts.INFLOW_COLOUR, charts.OUTFLOW_COLOUR)
    yen = charts.treasury_flows(frame, "JPY")
    assert list(yen.data[0].y) == [5000.0], "JPY has no minor unit"


@pytest.mark.parametrize(
    "fig",
    [
        charts.proposals_by_stage(
            pd.DataFrame({"stage": ["draft"], "proposals": [1], "is_suppressed": [False]}), min_count=5
        ),
        charts.treasury_flows(
            pd.DataFrame({"month": [date(2025, 1, 1)], "currency": ["EUR"], "inflow_minor": [1], "outflow_minor": [2]}),
            "EUR",
        ),
        charts.active_members_trend(
            participation([(date(2025, 1, 1), 9, False)]), participation([]), period_months=1, min_count=5
        ),
    ],
)
def test_figures_read_at_phone_width(fig):
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0, "legend below the plot"
    assert fig.layout.margin.l <= 16 and fig.layout.margin.r <= 16
    colours = {getattr(t.marker, "color", None) for t in fig.data} | {
        getattr(t, "line", None) and t.line.color for t in fig.data
    }
    assert colours - {None} <= set(charts.OKABE_ITO.values())


def test_formatting():
    assert format_count(1234, False, 5) == "1,234"
    assert format_count(None, True, 5) == "fewer than 5"
    assert format_count(float("nan"), False, 7) == "fewer than 7", "a null cell is never shown as 0"
    assert format_count(pd.NA, False, 5) == "fewer than 5"
    assert format_count(None, True, None) == "withheld", "a hub group's withheld figure"
    assert format_money(123_456_78, "EUR") == "123,456.78 EUR"
    assert format_money(-5, "USD") == "-0.05 USD"
    assert format_money(1500, "JPY") == "1,500 JPY"
    assert format_money(1_234, "KWD") == "1.234 KWD"
    assert to_major(250, "EUR") == 2.5
    assert month_label("2025-06") == "Jun 2025"
    assert shift_month("2025-01", -1) == "2024-12" and shift_month("2024-12", 13) == "2026-01"
    assert months_between("2024-11", "2025-02") == 4
    assert previous_period("2025-01", "2025-03") == ("2024-10", "2024-12")


# ---- the builders of the topic pages -------------------------------------------------------------------


def _colours(fig: go.Figure) -> set[str]:
    found: set[str] = set()
    for t in fig.data:
        for part in ("marker", "line"):
            colour = getattr(getattr(t, part, None), "color", None)
            if isinstance(colour, str):
                found.add(colour)
            elif isinstance(colour, list | tuple):
                found.update(colour)
    return found


def test_period_trend_formats_values_and_gaps():
    current = pd.DataFrame(
        {
            "month": [date(2025, 1, 1), date(2025, 2, 1)],
            "turnout_pct": [40.5, None],
            "is_suppressed": [False, True],
        }
    )
    fig = charts.period_trend(
        current,
        current.iloc[0:0],
        "turnout_pct",
        title="T",
        y_title="%",
        period_months=2,
        min_count=5,
        value_format=lambda v: f"{v:.1f}%",
    )
    (this,) = fig.data
    assert list(this.y) == [40.5, None]
    assert list(this.hovertext) == ["Jan 2025: 40.5%", "Feb 2025: fewer than 5"]


def test_rolling_windows_one_line_per_window():
    frame = pd.DataFrame(
        {
            "as_of": [date(2025, 1, 31), date(2025, 1, 31), date(2025, 2, 28)],
            "window_days": [7, 30, 30],
            "active_members": [None, 12, 14],
            "is_suppressed": [True, False, False],
        }
    )
    fig = charts.rolling_windows(frame, min_count=5)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["Last 30 days"].y) == [12, 14]
    assert list(by_name["Last 7 days"].y) == [None], "a withheld window is a gap"
    assert "fewer than 5" in by_name["Last 7 days"].hovertext[0]


def test_cohort_retention_shares_of_month_zero():
    frame = pd.DataFrame(
        {
            "cohort_month": [date(2025, 1, 1)] * 3,
            "months_since": [0, 1, 2],
            "members": [20, 10, None],
            "is_suppressed": [False, False, True],
        }
    )
    (heat,) = charts.cohort_retention(frame, min_count=5).data
    assert list(heat.z[0]) == [100.0, 50.0, None]
    assert list(heat.text[0]) == ["20", "10", "<5"]
    assert "fewer than 5" in heat.hovertext[0][2]


def test_member_flow_stacks_and_marks_withheld_months():
    frame = pd.DataFrame(
        {
            "month": [date(2025, 1, 1)] * 2 + [date(2025, 2, 1)] * 2,
            "kind": ["new", "returning"] * 2,
            "members": [6, 20, None, None],
            "is_suppressed": [False, False, True, True],
        }
    )
    fig = charts.member_flow(frame, min_count=5)
    assert fig.layout.barmode == "stack"
    assert [list(t.y) for t in fig.data] == [[20, None], [6, None]]
    assert [a.text for a in fig.layout.annotations] == ["fewer than 5"]


def test_funnel_and_days_in_stage():
    funnel = charts.proposal_funnel(pd.DataFrame({"stage": ["draft", "voting"], "proposals_reached": [10, 4]}))
    assert list(funnel.data[0].x) == [10, 4] and list(funnel.data[0].y) == ["Draft", "Voting"]
    frame = pd.DataFrame(
        {
            "cohort_month": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1)],
            "stage": ["draft", "voting", "draft"],
            "stage_order": [1, 4, 1],
            "proposals_moved_on": [3, 0, 2],
            "median_days_in_stage": [2.5, None, 4.0],
        }
    )
    (heat,) = charts.days_in_stage(frame).data
    assert list(heat.y) == ["Draft", "Voting"] and list(heat.x) == ["Jan 2025", "Feb 2025"]
    assert [list(r) for r in heat.z] == [[2.5, 4.0], [None, None]]
    assert "none moved on yet" in heat.hovertext[1][0]


def test_delivery_rates_bars_and_target():
    frame = pd.DataFrame(
        {
            "decision_month": [date(2025, 1, 1)],
            "decisions_approved": [4],
            "decisions_delivered": [3],
            "delivered_on_time": [2],
            "delivery_rate_pct": [75.0],
            "on_time_rate_pct": [66.7],
            "initiatives_overdue": [1],
            "initiatives_stalled": [0],
        }
    )
    fig = charts.delivery_rates(frame)
    rate, on_time = fig.data
    assert list(rate.y) == [75.0] and list(on_time.y) == [66.7]
    assert "3 of 4 approved decisions delivered; of their initiatives 1 overdue, 0 stalled now" in rate.hovertext[0]
    assert fig.layout.shapes[0].y0 == charts.ON_TIME_TARGET_PCT


def test_milestone_gantt_highlights_overdue_and_late():
    initiatives = pd.DataFrame(
        {
            "group": ["Lyon", "Lyon"],
            "initiative_id": ["ini-aaaaaaaa-1", "ini-bbbbbbbb-2"],
            "source": ["togetheros"] * 2,
            "status": ["in_progress", "verified"],
            "decided_on": [date(2025, 1, 1), date(2025, 1, 5)],
            "deadline": [date(2025, 3, 1), date(2025, 4, 1)],
            "delivered_on": [None, date(2025, 3, 20)],
            "is_overdue": [True, False],
            "is_stalled": [True, False],
            "milestones_done": [0, 1],
            "milestones_total": [1, 1],
            "next_milestone_due": [date(2025, 2, 1), None],
            "days_overdue": [121, None],
            "days_since_progress": [180, None],
        }
    )
    milestones = pd.DataFrame(
        {
            "initiative_id": ["ini-aaaaaaaa-1", "ini-bbbbbbbb-2"],
            "milestone_id": ["m1", "m2"],
            "target_date": [date(2025, 2, 1), date(2025, 3, 1)],
            "completed_on": [None, date(2025, 3, 2)],
            "is_late": [True, True],
        }
    )
    fig = charts.milestone_gantt(initiatives, milestones, as_of=date(2025, 6, 30))
    by_name = {t.name: t for t in fig.data}
    assert set(by_name["Overdue"].y) - {None} == {"Lyon · ini-aaaa"}, "overdue beats stalled"
    assert "Stalled" not in by_name
    assert list(by_name["Overdue"].x[:2]) == [date(2025, 1, 1), date(2025, 6, 30)], "open work runs to as-of"
    assert list(by_name["Delivered"].x[:2]) == [date(2025, 1, 5), date(2025, 3, 20)]
    assert len(by_name["Late milestone"].x) == 2
    assert by_name["Overdue"].line.color == charts.OKABE_ITO["vermillion"]
    table = charts.initiative_table(initiatives)
    assert list(table["State"]) == ["Overdue", "Delivered"] and list(table["Milestones done"]) == [
        "0 of 1",
        "1 of 1",
    ]
    assert list(table["Days overdue"].fillna(0)) == [121, 0]
    assert list(table["Page"]) == ["initiative?id=ini-aaaaaaaa-1", "initiative?id=ini-bbbbbbbb-2"]
    # each row label of the chart opens the initiative's page in the dashboard itself
    assert fig.layout.yaxis.ticktext[0] == '<a href="initiative?id=ini-aaaaaaaa-1" target="_self">Lyon · ini-aaaa</a>'
    assert [charts.urgency_text(r) for r in initiatives.itertuples()] == [
        "Overdue 121 days, no progress for 180 days",
        "Delivered 20 Mar 2025",
    ]


def test_treasury_sankey_income_to_treasuries_to_spending():
    links = pd.DataFrame(
        {
            "currency": ["EUR"] * 4 + ["USD"],
            "treasury": ["Lyon", "Lyon", "Lyon", "Lyon", "Fed"],
            "flow_class": ["income", "spending", "spending", "fee", "income"],
            "category": ["contribution", "expenses:rent", "expenses:software", "host_fee", "contribution"],
            "is_local": [False, True, False, False, False],
            "amount_minor": [10_000, 4_000, 3_000, 500, 999],
        }
    )
    (sankey,) = charts.treasury_sankey(links, "EUR").data
    labels = list(sankey.node.label)
    # categories in words (labels.csv, else by rule), never as the books spell them
    assert labels == [
        "Lyon",
        "In: Contributions",
        "Out: Rent (local)",
        "Out: Software (not local)",
        "Fees",
    ]
    flows = {
        (labels[s], labels[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    assert flows == {
        ("In: Contributions", "Lyon"): 100.0,
        ("Lyon", "Out: Rent (local)"): 40.0,
        ("Lyon", "Out: Software (not local)"): 30.0,
        ("Lyon", "Fees"): 5.0,
    }
    assert set(sankey.node.color) <= set(charts.OKABE_ITO.values()), "USD never mixes into EUR"


def test_money_charts_in_major_units():
    months = [date(2025, 1, 1), date(2025, 2, 1)]
    fees = charts.fees(
        pd.DataFrame(
            {
                "month": months,
                "currency": ["EUR"] * 2,
                "fees_minor": [500, 0],
                "income_minor": [5000, 0],
                "fee_share": [0.1, None],
            }
        ),
        "EUR",
    )
    assert list(fees.data[0].y) == [5.0, 0.0] and list(fees.data[1].y) == [10.0, None]
    lv = charts.local_value(
        pd.DataFrame(
            {
                "month": months[:1],
                "currency": ["EUR"],
                "r1_minor": [10_000],
                "r2_minor": [4_000],
                "r3_minor": [1_000],
                "lm3_ratio": [1.5],
            }
        ),
        "EUR",
    )
    assert [list(t.y) for t in lv.data] == [[100.0], [40.0], [10.0], [1.5]]
    bal = charts.balances(
        pd.DataFrame({"month": months, "account": ["a", "a"], "currency": ["EUR"] * 2, "balance_minor": [100, -50]}),
        "EUR",
    )
    assert list(bal.data[0].y) == [1.0, -0.5]
    lines = pd.DataFrame(
        {
            "group": ["Lyon"],
            "fund_type": ["local"],
            "period_start": [date(2025, 1, 1)],
            "period_end": [date(2025, 6, 30)],
            "currency": ["EUR"],
            "allocated_minor": [40_000],
            "reported_spent_minor": [25_000],
        }
    )
    budget = charts.budget_vs_actual(lines, "EUR")
    assert [list(t.x) for t in budget.data] == [[400.0], [250.0]]


def test_distribution_lists_every_band_and_marks_withheld_ones():
    frame = pd.DataFrame({"band": ["good", "critical"], "members": [6, None], "is_suppressed": [False, True]})
    fig = charts.distribution(
        frame, "band", ("excellent", "good", "critical"), title="B", colours=charts.BAND_COLOURS, min_count=5
    )
    (bar,) = fig.data
    assert list(bar.y) == [0, 6, None] and list(bar.text) == ["0", "6", "fewer than 5"]
    assert [a.text for a in fig.layout.annotations] == ["fewer than 5"], "written on the chart, not only on hover"


def test_traders_mark_withheld_counts():
    frame = pd.DataFrame(
        {
            "month": [date(2025, 1, 1)] * 2,
            "trader_status": ["active", "new"],
            "traders": [9, None],
            "is_suppressed": [False, True],
        }
    )
    fig = charts.traders(frame, min_count=5)
    assert [list(t.y) for t in fig.data] == [[9], [None]]
    assert [a.text for a in fig.layout.annotations] == ["No bar: fewer than 5 new traders in 1 month"]


@pytest.mark.parametrize(
    "fig",
    [
        charts.inequality(pd.DataFrame({"month": [date(2025, 1, 1)], "gini": [0.4], "absence_factor": [3]})),
        charts.first_response(
            pd.DataFrame(
                {
                    "month": [date(2025, 1, 1)],
                    "topics_opened": [4],
                    "topics_answered": [3],
                    "median_hours_to_first_response": [12.5],
                }
            )
        ),
        charts.decisions(
            pd.DataFrame(
                {
                    "month": [date(2025, 1, 1)],
                    "proposals_decided": [3],
                    "proposals_approved": [2],
                    "proposals_threshold_met": [2],
                    "proposals_with_blocks": [1],
                    "proposals_with_minority_report": [0],
                }
            )
        ),
        charts.decidim_proposals(
            pd.DataFrame(
                {
                    "month": [date(2025, 1, 1)] * 2,
                    "state": ["accepted", "rejected"],
                    "proposals": [2, 1],
                    "supports": [10, None],
                }
            )
        ),
        charts.support_points(
            pd.DataFrame(
                {
                    "month": [date(2025, 1, 1)],
                    "allocations": [8],
                    "points_allocated": [20],
                    "allocators": [6],
                    "is_suppressed": [False],
                }
            ),
            min_count=5,
        ),
    ],
)
def test_new_figures_read_at_phone_width_in_okabe_ito(fig):
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0, "legend below the plot"
    assert fig.layout.margin.l <= 16 and fig.layout.margin.r <= 16
    assert _colours(fig) and _colours(fig) <= set(charts.OKABE_ITO.values())
