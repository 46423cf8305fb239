"""charts.py and formatting.py: pure functions, checked on their figures' traces and values."""

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
            pd.DataFrame(
                {"month": [date(2025, 1, 1)], "currency": ["EUR"], "inflow_minor": [1], "outflow_minor": [2]}
            ),
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
    assert format_money(123_456_78, "EUR") == "123,456.78 EUR"
    assert format_money(-5, "USD") == "-0.05 USD"
    assert format_money(1500, "JPY") == "1,500 JPY"
    assert format_money(1_234, "KWD") == "1.234 KWD"
    assert to_major(250, "EUR") == 2.5
    assert month_label("2025-06") == "Jun 2025"
    assert shift_month("2025-01", -1) == "2024-12" and shift_month("2024-12", 13) == "2026-01"
    assert months_between("2024-11", "2025-02") == 4
    assert previous_period("2025-01", "2025-03") == ("2024-10", "2024-12")
