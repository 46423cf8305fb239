"""Plotly figures for the dashboard: pure functions of query results, no Streamlit calls.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies);
every figure puts its legend below the plot and keeps margins small so it reads at phone width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.formatting import (
    format_count,
    format_money,
    is_missing,
    month_key,
    month_label,
    shift_month,
    to_major,
)

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
CURRENT_COLOUR = OKABE_ITO["blue"]
PREVIOUS_COLOUR = OKABE_ITO["orange"]
INFLOW_COLOUR = OKABE_ITO["bluish_green"]
OUTFLOW_COLOUR = OKABE_ITO["vermillion"]


# Fair-exchange bands from most generous to least, then members who only provided.
BAND_COLOURS = {
    "excellent": OKABE_ITO["blue"], "good": OKABE_ITO["bluish_green"], "balanced": OKABE_ITO["sky_blue"],
    "warning": OKABE_ITO["orange"], "critical": OKABE_ITO["vermillion"],
    "provided_only": OKABE_ITO["reddish_purple"],
}  # fmt: skip
DECIDIM_STATE_COLOURS = {
    "accepted": OKABE_ITO["bluish_green"], "evaluating": OKABE_ITO["orange"],
    "rejected": OKABE_ITO["vermillion"], "not_answered": OKABE_ITO["sky_blue"],
}  # fmt: skip
# The palette in an order that keeps neighbouring series apart (accounts, cohorts).
SERIES_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "vermillion", "sky_blue",
                                         "reddish_purple", "black", "yellow")]  # fmt: skip
SEQUENTIAL = "Cividis"  # perceptually uniform and readable with colour-vision deficiencies


def _whole(value: Any) -> str:
    return f"{int(value):,}"


def phone_friendly(fig: go.Figure, title: str, *, height: int = 360) -> go.Figure:
    """Shared layout: title top-left, horizontal legend under the plot, compact margins."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 8, "t": 48, "b": 8},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.18, "yanchor": "top"},
        font={"size": 13},
        hovermode="x unified",
    )
    return fig


def _month_keys(frame: pd.DataFrame) -> list[str]:
    return [month_key(m) for m in pd.to_datetime(frame["month"]).dt.date]


def active_members_trend(
    current: pd.DataFrame, previous: pd.DataFrame, *, period_months: int, min_count: int
) -> go.Figure:
    """Monthly active members over the period, with the previous period drawn on the same months.

    `current`/`previous` hold month, active_members, is_suppressed.
    """
    return period_trend(
        current, previous, "active_members", title="Active members per month", y_title="people",
        period_months=period_months, min_count=min_count,
    )  # fmt: skip


def period_trend(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    column: str,
    *,
    title: str,
    y_title: str,
    period_months: int,
    min_count: int,
    value_format: Callable[[Any], str] = _whole,
) -> go.Figure:
    """A monthly value over the period, with the previous period (dashed) drawn on the same months.

    `current`/`previous` hold month, `column` and optionally is_suppressed. The previous period is shifted
    forward by `period_months` so each month lines up with the one it is compared to; suppressed months
    are gaps (never 0), labelled "fewer than K".
    """
    fig = go.Figure()
    for frame, name, colour, shift, dash in (
        (previous, "Previous period", PREVIOUS_COLOUR, period_months, "dash"),
        (current, "This period", CURRENT_COLOUR, 0, "solid"),
    ):
        if frame.empty:
            continue
        keys = _month_keys(frame)
        values, texts = cells(frame, column, min_count, value_format)
        fig.add_trace(
            go.Scatter(
                x=[month_start_of(shift_month(k, shift)) for k in keys],
                y=values,
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3 if shift == 0 else 2},
                marker={"size": 7},
                connectgaps=False,
                hovertext=[f"{month_label(k)}: {t}" for k, t in zip(keys, texts, strict=True)],
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    _mark_suppressed(fig, [month_start_of(k) for k in _month_keys(current)], _suppressed(current), min_count)
    phone_friendly(fig, title)
    fig.update_layout(showlegend=True)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    _monthly_axes(fig)
    return fig


def month_start_of(key: str) -> str:
    """Plotly date string for the first day of a 'YYYY-MM' month."""
    return f"{key}-01"


def proposals_by_stage(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Horizontal bars of proposals per lifecycle stage (first stage on top).

    frame: stage, proposals, is_suppressed; a suppressed stage has no bar and reads "fewer than K".
    """
    stages = [str(s).capitalize() for s in frame["stage"]]
    cells = list(zip(frame["proposals"], frame["is_suppressed"], strict=True))
    counts = [None if s or is_missing(v) else int(v) for v, s in cells]
    labels = [format_count(v, s, min_count) for v, s in cells]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=stages,
            orientation="h",
            marker_color=OKABE_ITO["blue"],
            text=labels,
            textposition="auto",
            name="Proposals",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )  # fmt: skip
    )
    phone_friendly(fig, "Proposals per stage", height=max(280, 40 * len(stages) + 80))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="proposals", rangemode="tozero")
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def treasury_flows(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Grouped bars of inflow and outflow per month, in major units of one currency.

    frame: month, currency, inflow_minor, outflow_minor (other currencies are ignored: amounts in
    different currencies are never added together).
    """
    rows = frame[frame["currency"] == currency]
    x = [month_start_of(k) for k in _month_keys(rows)]
    fig = go.Figure()
    for column, name, colour in (
        ("inflow_minor", "Inflow", INFLOW_COLOUR),
        ("outflow_minor", "Outflow", OUTFLOW_COLOUR),
    ):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[to_major(int(v), currency) for v in rows[column]],
                name=name,
                marker_color=colour,
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + name + "</extra>",
            )  # fmt: skip
        )
    phone_friendly(fig, f"Treasury inflow and outflow ({currency})")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=currency, rangemode="tozero")
    _monthly_axes(fig)
    return fig


# ---- shared pieces -------------------------------------------------------------------------------------


def cells(
    frame: pd.DataFrame, column: str, min_count: int, value_format: Callable[[Any], str] = _whole
) -> tuple[list[Any], list[str]]:
    """Plot values and their text: a suppressed (or null) cell is None, read "fewer than K", never 0."""
    suppressed = _suppressed(frame)
    values = [None if s or is_missing(v) else v for v, s in zip(frame[column], suppressed, strict=True)]
    texts = [format_count(v, True, min_count) if v is None else value_format(v) for v in values]
    return values, texts


def _suppressed(frame: pd.DataFrame) -> list[bool]:
    if "is_suppressed" in frame:
        return [bool(s) for s in frame["is_suppressed"]]
    return [False] * len(frame)


def _mark_suppressed(fig: go.Figure, xs: Sequence[Any], suppressed: Sequence[bool], min_count: int) -> None:
    """A vertical "fewer than K" at the foot of every withheld x, so a gap is never read as zero."""
    for x in sorted({x for x, s in zip(xs, suppressed, strict=True) if s}):
        fig.add_annotation(
            x=x,
            y=0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            textangle=-90,
            text=f"fewer than {min_count}",
            font={"size": 11, "color": OKABE_ITO["black"]},
        )


def _months_x(frame: pd.DataFrame, column: str = "month") -> list[str]:
    return [month_start_of(month_key(m)) for m in pd.to_datetime(frame[column]).dt.date]


def _monthly_axes(fig: go.Figure) -> None:
    """Month ticks that Plotly thins out on a narrow screen (a tick per month crowds a phone)."""
    fig.update_xaxes(tickformat="%b %Y", nticks=8, ticklabelmode="instant")


def _with_secondary_axis() -> go.Figure:
    return make_subplots(specs=[[{"secondary_y": True}]])


def _pct(value: Any) -> str:
    return f"{float(value):.1f}%"


def _days(value: Any) -> str:
    return f"{float(value):.1f} days"


# ---- participation -------------------------------------------------------------------------------------


def rolling_windows(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Active members over the 7 and 30 days ending on each date; frame: as_of, window_days,
    active_members, is_suppressed. Withheld windows are gaps marked "fewer than K"."""
    fig = go.Figure()
    for days, colour in ((30, OKABE_ITO["blue"]), (7, OKABE_ITO["orange"])):
        rows = frame[frame["window_days"] == days]
        values, texts = cells(rows, "active_members", min_count)
        xs = [f"{d:%Y-%m-%d}" for d in pd.to_datetime(rows["as_of"])]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=values,
                name=f"Last {days} days",
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "width": 3 if days == 30 else 2},
                marker={"size": 6},
                hovertext=[f"{x}: {t}" for x, t in zip(xs, texts, strict=True)],
                hovertemplate="%{hovertext}<extra>" + f"Last {days} days" + "</extra>",
            )
        )
    phone_friendly(fig, "Active members in the last 7 and 30 days")
    fig.update_yaxes(title_text="people", rangemode="tozero")
    withheld = frame[_suppressed(frame)]
    if not withheld.empty:
        fig.add_annotation(
            x=0,
            y=1,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            text=f"Gaps: fewer than {min_count} people",
            font={"size": 11},
        )
    return fig


def cohort_retention(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Heatmap of monthly cohorts (rows) by months since joining (columns): colour is the share of the
    cohort active again, text the count; withheld cells read "fewer than K" (cells show "<K")."""
    cohorts = sorted(pd.to_datetime(frame["cohort_month"]).dt.date.unique())
    offsets = sorted(int(n) for n in frame["months_since"].unique())
    counts: dict[tuple[date, int], tuple[Any, str]] = {}
    values, texts = cells(frame, "members", min_count)
    for cohort, since, value, text in zip(
        pd.to_datetime(frame["cohort_month"]).dt.date, frame["months_since"], values, texts, strict=True
    ):
        counts[(cohort, int(since))] = (value, text)
    z, text, hover = [], [], []
    for cohort in cohorts:
        base = counts.get((cohort, 0), (None, ""))[0]
        row_z, row_text, row_hover = [], [], []
        for since in offsets:
            value, label = counts.get((cohort, since), (None, ""))
            share = 100 * value / base if value is not None and base else None
            row_z.append(share)
            row_text.append("" if not label else (f"<{min_count}" if value is None else label))
            shown = f"{label}" + (f" ({share:.0f}%)" if share is not None else "")
            row_hover.append(f"{month_label(month_key(cohort))} cohort, month {since}: {shown or 'no data'}")
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(n) for n in offsets],
            y=[month_label(month_key(c)) for c in cohorts],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=100,
            colorbar={"title": "% active", "thickness": 10},
            xgap=1,
            ygap=1,
        )
    )
    phone_friendly(fig, "Members retained, by month they joined", height=max(300, 26 * len(cohorts) + 140))
    fig.update_xaxes(title_text="months since joining", type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(hovermode="closest")
    return fig


def member_flow(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Stacked bars of returning and new members per month; frame: month, kind, members, is_suppressed."""
    fig = go.Figure()
    for kind, colour in (("returning", OKABE_ITO["blue"]), ("new", OKABE_ITO["orange"])):
        rows = frame[frame["kind"] == kind]
        values, texts = cells(rows, "members", min_count)
        fig.add_trace(
            go.Bar(
                x=_months_x(rows),
                y=values,
                name=kind.capitalize(),
                marker_color=colour,
                hovertext=texts,
                hovertemplate="%{hovertext}<extra>" + kind.capitalize() + "</extra>",
            )
        )
    _mark_suppressed(fig, _months_x(frame), _suppressed(frame), min_count)
    phone_friendly(fig, "New and returning members per month")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="people", rangemode="tozero")
    _monthly_axes(fig)
    return fig


def inequality(frame: pd.DataFrame) -> go.Figure:
    """Gini of contributions per member (line, left axis 0–1) and the contributor absence factor (bars,
    right axis); frame: month, gini, absence_factor (empty where withheld: a gap)."""
    fig = _with_secondary_axis()
    xs = _months_x(frame)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=[None if is_missing(v) else int(v) for v in frame["absence_factor"]],
            name="Absence factor (people)",
            marker_color=OKABE_ITO["sky_blue"],
            hovertemplate="%{y} people make half of the contributions<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else float(v) for v in frame["gini"]],
            name="Gini",
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["blue"], "width": 3},
            hovertemplate="Gini %{y:.3f}<extra></extra>",
        ),
        secondary_y=False,
    )
    phone_friendly(fig, "How evenly contributions spread")
    fig.update_yaxes(title_text="Gini (0 = even)", range=[0, 1], secondary_y=False)
    fig.update_yaxes(title_text="people", rangemode="tozero", secondary_y=True, showgrid=False)
    _monthly_axes(fig)
    return fig


def first_response(frame: pd.DataFrame) -> go.Figure:
    """Forum topics opened and answered (bars) and the median hours to a first reply (line, right axis)."""
    fig = _with_secondary_axis()
    xs = _months_x(frame)
    for column, name, colour in (
        ("topics_opened", "Topics opened", OKABE_ITO["sky_blue"]),
        ("topics_answered", "Answered", OKABE_ITO["blue"]),
    ):
        fig.add_trace(go.Bar(x=xs, y=list(frame[column]), name=name, marker_color=colour), secondary_y=False)
    hours = [None if is_missing(v) else float(v) for v in frame["median_hours_to_first_response"]]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=hours,
            name="Median hours to first reply",
            mode="lines+markers",
            line={"color": OKABE_ITO["vermillion"], "width": 3},
            connectgaps=False,
            hovertemplate="%{y:.1f} h<extra>Median to first reply</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, "Forum: time to first response")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="topics", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="hours", rangemode="tozero", secondary_y=True, showgrid=False)
    _monthly_axes(fig)
    return fig


# ---- decisions -----------------------------------------------------------------------------------------


def proposal_funnel(frame: pd.DataFrame) -> go.Figure:
    """Proposals reaching each lifecycle stage (frame: stage, proposals_reached, in lifecycle order)."""
    fig = go.Figure(
        go.Funnel(
            y=[str(s).capitalize() for s in frame["stage"]],
            x=[int(v) for v in frame["proposals_reached"]],
            marker={"color": OKABE_ITO["blue"]},
            textinfo="value+percent initial",
            name="Proposals",
            connector={"fillcolor": "#DCE9F5"},
        )
    )
    phone_friendly(fig, "Proposal funnel: proposals reaching each stage", height=40 * len(frame) + 110)
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def days_in_stage(frame: pd.DataFrame) -> go.Figure:
    """Heatmap of the median days in each stage (rows, lifecycle order) by creation month (columns);
    frame: cohort_month, stage, stage_order, proposals_moved_on, median_days_in_stage."""
    stages = frame.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    months = sorted(pd.to_datetime(frame["cohort_month"]).dt.date.unique())
    lookup = {
        (pd.Timestamp(r.cohort_month).date(), r.stage): (r.median_days_in_stage, r.proposals_moved_on)
        for r in frame.itertuples()
    }
    z, text, hover = [], [], []
    for stage in stages:
        row = [lookup.get((m, stage), (None, 0)) for m in months]
        z.append([None if is_missing(v) else float(v) for v, _ in row])
        text.append(["" if is_missing(v) else f"{float(v):.1f}" for v, _ in row])
        hover.append(
            [
                f"{stage.capitalize()}, created {month_label(month_key(m))}: "
                + ("none moved on yet" if is_missing(v) else f"median {float(v):.1f} days, {int(n)} moved on")
                for m, (v, n) in zip(months, row, strict=True)
            ]
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[month_label(month_key(m)) for m in months],
            y=[s.capitalize() for s in stages],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=SEQUENTIAL,
            colorbar={"title": "days", "thickness": 10},
            xgap=1,
            ygap=1,
        )
    )
    phone_friendly(fig, "Median days in stage, by month created", height=34 * len(stages) + 140)
    fig.update_xaxes(type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(hovermode="closest")
    return fig


def decisions(frame: pd.DataFrame) -> go.Figure:
    """Decisions per month: decided, approved and meeting the vote threshold (bars), with a block or a
    minority report (lines); frame: month and the governance_decisions counts."""
    fig = go.Figure()
    xs = _months_x(frame)
    for column, name, colour in (
        ("proposals_decided", "Decided", OKABE_ITO["blue"]),
        ("proposals_approved", "Approved", OKABE_ITO["bluish_green"]),
        ("proposals_threshold_met", "Met the vote threshold", OKABE_ITO["sky_blue"]),
    ):
        fig.add_trace(go.Bar(x=xs, y=list(frame[column]), name=name, marker_color=colour))
    for column, name, colour, symbol in (
        ("proposals_with_blocks", "With a block", OKABE_ITO["vermillion"], "x"),
        ("proposals_with_minority_report", "With a minority report", OKABE_ITO["reddish_purple"], "diamond"),
    ):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=list(frame[column]),
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"symbol": symbol, "size": 9},
            )
        )
    phone_friendly(fig, "Decisions per month")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="proposals", rangemode="tozero")
    _monthly_axes(fig)
    return fig


def decidim_proposals(frame: pd.DataFrame) -> go.Figure:
    """Decidim proposals per month published, stacked by answer state; frame: month, state, proposals,
    supports (supports in the hover)."""
    fig = go.Figure()
    for state, colour in DECIDIM_STATE_COLOURS.items():
        rows = frame[frame["state"] == state]
        if rows.empty:
            continue
        supports = ["hidden" if is_missing(v) else f"{int(v):,}" for v in rows["supports"]]
        name = state.replace("_", " ").capitalize()
        fig.add_trace(
            go.Bar(
                x=_months_x(rows),
                y=list(rows["proposals"]),
                name=name,
                marker_color=colour,
                hovertext=[f"{p} proposals, {s} supports" for p, s in zip(rows["proposals"], supports, strict=True)],
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    phone_friendly(fig, "Decidim proposals by state")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="proposals", rangemode="tozero")
    _monthly_axes(fig)
    return fig


def support_points(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Support points allocated per month (bars) and the members who allocated them (line, right axis);
    frame: month, allocations, points_allocated, allocators, is_suppressed."""
    fig = _with_secondary_axis()
    xs = _months_x(frame)
    points, point_texts = cells(frame, "points_allocated", min_count)
    people, people_texts = cells(frame, "allocators", min_count)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=points,
            name="Points allocated",
            marker_color=OKABE_ITO["blue"],
            hovertext=point_texts,
            hovertemplate="%{hovertext} points<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=people,
            name="Members allocating",
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["orange"], "width": 2},
            hovertext=people_texts,
            hovertemplate="%{hovertext} members<extra></extra>",
        ),
        secondary_y=True,
    )
    _mark_suppressed(fig, xs, _suppressed(frame), min_count)
    phone_friendly(fig, "Support points allocated")
    fig.update_yaxes(title_text="points", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="people", rangemode="tozero", secondary_y=True, showgrid=False)
    _monthly_axes(fig)
    return fig


# ---- delivery ------------------------------------------------------------------------------------------

ON_TIME_TARGET_PCT = 80  # TogetherOS admin-accountability target: more than 80% delivered on time


def delivery_rates(frame: pd.DataFrame) -> go.Figure:
    """Delivery rate and on-time rate by month of decision (grouped bars, percent), with the platform's
    on-time target; frame: decision_month and the delivery_rates columns."""
    fig = go.Figure()
    xs = _months_x(frame, "decision_month")
    counts = list(
        zip(frame["decisions_delivered"], frame["decisions_approved"], frame["delivered_on_time"], strict=True)
    )
    for column, name, colour, hover in (
        (
            "delivery_rate_pct",
            "Delivery rate",
            OKABE_ITO["blue"],
            [f"{d} of {a} approved decisions delivered" for d, a, _ in counts],
        ),
        (
            "on_time_rate_pct",
            "On time",
            OKABE_ITO["bluish_green"],
            [f"{t} of {d} delivered on time" for d, _, t in counts],
        ),
    ):
        values = [None if is_missing(v) else float(v) for v in frame[column]]
        fig.add_trace(
            go.Bar(
                x=xs,
                y=values,
                name=name,
                marker_color=colour,
                hovertext=hover,
                hovertemplate="%{y:.1f}% · %{hovertext}<extra>" + name + "</extra>",
            )
        )
    fig.add_hline(
        y=ON_TIME_TARGET_PCT,
        line={"dash": "dot", "color": OKABE_ITO["black"], "width": 1},
        annotation_text=f"on-time target {ON_TIME_TARGET_PCT}%",
        annotation_position="top left",
    )
    phone_friendly(fig, "Delivery by month of decision")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="% of decisions", range=[0, 105])
    _monthly_axes(fig)
    return fig


GANTT_COLOURS = {
    "Overdue": OKABE_ITO["vermillion"],
    "Stalled": OKABE_ITO["orange"],
    "Under way": OKABE_ITO["blue"],
    "Delivered": OKABE_ITO["bluish_green"],
}


def initiative_state(row: Any) -> str:
    """Overdue beats stalled beats under way; delivered when it has a delivery day."""
    if row.is_overdue:
        return "Overdue"
    if row.is_stalled:
        return "Stalled"
    return "Under way" if is_missing(row.delivered_on) else "Delivered"


def initiative_labels(initiatives: pd.DataFrame) -> list[str]:
    """Row labels: the holding group and a short initiative id (the full id where two would clash)."""
    short = [str(i)[:8] for i in initiatives["initiative_id"]]
    if len(set(short)) < len(short):
        short = [str(i) for i in initiatives["initiative_id"]]
    return [f"{g} · {s}" for g, s in zip(initiatives["group"], short, strict=True)]


def milestone_gantt(initiatives: pd.DataFrame, milestones: pd.DataFrame, *, as_of: date | None) -> go.Figure:
    """One row per initiative: a bar from decision to delivery (or to the deadline, or to `as_of` while
    open), coloured overdue / stalled / under way / delivered; milestones as markers (late ones as ✕),
    deadlines as ◆, and a line at the data's as-of day.

    initiatives: group, initiative_id, decided_on, deadline, delivered_on, is_overdue, is_stalled (as
    data.delivery_initiatives); milestones: initiative_id, target_date, completed_on, is_late.
    """
    labels = dict(zip(initiatives["initiative_id"], initiative_labels(initiatives), strict=True))
    fig = go.Figure()
    spans: dict[str, tuple[list[Any], list[Any], list[str]]] = {state: ([], [], []) for state in GANTT_COLOURS}
    for row in initiatives.itertuples():
        start = None if is_missing(row.decided_on) else pd.Timestamp(row.decided_on).date()
        ends = [row.delivered_on] if not is_missing(row.delivered_on) else [row.deadline, as_of]
        end = max((pd.Timestamp(e).date() for e in ends if not is_missing(e)), default=start)
        if start is None or end is None:
            continue
        state = initiative_state(row)
        xs, ys, hover = spans[state]
        label = labels[row.initiative_id]
        text = (
            f"{label}<br>{state} · {row.status}<br>decided {start} · deadline "
            f"{'none' if is_missing(row.deadline) else pd.Timestamp(row.deadline).date()}"
        )
        xs += [start, max(end, start + timedelta(days=1)), None]
        ys += [label, label, None]
        hover += [text, text, ""]
    for state, (xs, ys, hover) in spans.items():
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=state,
                    hovertext=hover,
                    hoverinfo="text",
                    line={"color": GANTT_COLOURS[state], "width": 12},
                )
            )
    deadlines = initiatives[~initiatives["deadline"].isna()]
    if not deadlines.empty:
        fig.add_trace(
            go.Scatter(
                x=list(deadlines["deadline"]),
                y=[labels[i] for i in deadlines["initiative_id"]],
                mode="markers",
                name="Deadline",
                hoverinfo="x+y",
                marker={"symbol": "diamond", "size": 10, "color": OKABE_ITO["black"]},
            )
        )
    shown = milestones[milestones["initiative_id"].isin(labels)]
    for late, name, symbol, colour in (
        (False, "Milestone", "circle", OKABE_ITO["sky_blue"]),
        (True, "Late milestone", "x", OKABE_ITO["vermillion"]),
    ):
        rows = shown[shown["is_late"].fillna(False).astype(bool) == late]
        if rows.empty:
            continue
        open_ = rows["completed_on"].isna()
        fig.add_trace(
            go.Scatter(
                x=list(rows["target_date"]),
                y=[labels[i] for i in rows["initiative_id"]],
                mode="markers",
                name=name,
                hoverinfo="text",
                hovertext=[
                    f"due {pd.Timestamp(t).date()} · " + ("open" if o else f"done {pd.Timestamp(c).date()}")
                    for t, c, o in zip(rows["target_date"], rows["completed_on"], open_, strict=True)
                ],
                marker={
                    "symbol": symbol,
                    "size": 9,
                    "color": colour,
                    "line": {"width": 1.5, "color": OKABE_ITO["black"]},
                },
            )
        )
    if as_of is not None:
        fig.add_vline(x=f"{as_of}", line={"dash": "dot", "color": OKABE_ITO["black"], "width": 1})
        fig.add_annotation(
            x=f"{as_of}",
            y=1,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text="data as of",
            font={"size": 11},
        )
    phone_friendly(fig, "Initiatives and milestones", height=max(320, 26 * len(labels) + 160))
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=list(labels.values()))
    fig.update_xaxes(type="date")
    fig.update_layout(hovermode="closest")
    return fig


# ---- treasury ------------------------------------------------------------------------------------------


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


SANKEY_COLOURS = {
    "income": OKABE_ITO["sky_blue"],
    "treasury": OKABE_ITO["blue"],
    "local": OKABE_ITO["bluish_green"],
    "not_local": OKABE_ITO["vermillion"],
    "fee": OKABE_ITO["reddish_purple"],
}


def treasury_sankey(links: pd.DataFrame, currency: str) -> go.Figure:
    """Income categories → treasuries (the groups holding them) → spending categories, local or not, and
    fees, in one currency; links: currency, treasury, flow_class, category, is_local, amount_minor > 0."""
    rows = links[links["currency"] == currency]
    nodes: dict[str, str] = {}  # label -> kind (for its colour)

    def node(label: str, kind: str) -> int:
        nodes.setdefault(label, kind)
        return list(nodes).index(label)

    sources, targets, values, colours = [], [], [], []
    for row in rows.itertuples():
        treasury = node(row.treasury, "treasury")
        if row.flow_class == "income":
            pair, kind = (node(f"In: {row.category}", "income"), treasury), "income"
        elif row.flow_class == "fee":
            pair, kind = (treasury, node("Fees", "fee")), "fee"
        else:
            kind = "local" if row.is_local else "not_local"
            where = "local" if row.is_local else "not local"
            pair = (treasury, node(f"Out: {row.category} ({where})", kind))
        sources.append(pair[0])
        targets.append(pair[1])
        values.append(to_major(int(row.amount_minor), currency))
        colours.append(_rgba(SANKEY_COLOURS[kind], 0.45))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.2f",
            valuesuffix=f" {currency}",
            node={
                "label": list(nodes),
                "color": [SANKEY_COLOURS[k] for k in nodes.values()],
                "pad": 12,
                "thickness": 14,
                "line": {"width": 0},
            },
            link={"source": sources, "target": targets, "value": values, "color": colours},
        )
    )
    phone_friendly(fig, f"Where the money came from and went ({currency})", height=max(360, 22 * len(nodes)))
    fig.update_layout(hovermode="closest")
    return fig


def budget_vs_actual(lines: pd.DataFrame, currency: str) -> go.Figure:
    """Each budget line of one currency: allocated and reported spent (horizontal grouped bars);
    lines: group, fund_type, period_start, period_end, currency, allocated_minor, reported_spent_minor."""
    rows = lines[lines["currency"] == currency]
    labels = [
        f"{g} · {f} · {pd.Timestamp(s):%b %Y}–{pd.Timestamp(e):%b %Y}"
        for g, f, s, e in zip(rows["group"], rows["fund_type"], rows["period_start"], rows["period_end"], strict=True)
    ]
    fig = go.Figure()
    for column, name, colour in (
        ("allocated_minor", "Allocated", OKABE_ITO["sky_blue"]),
        ("reported_spent_minor", "Reported spent", OKABE_ITO["blue"]),
    ):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[to_major(int(v), currency) for v in rows[column]],
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{x:,.2f} " + currency + "<extra>" + name + "</extra>",
            )
        )
    phone_friendly(fig, f"Budget lines: allocated and spent ({currency})", height=max(300, 44 * len(rows) + 120))
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(rangemode="tozero")
    return fig


def balances(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Month-end balance of every account in one currency (one line each); frame: month, account,
    currency, balance_minor."""
    rows = frame[frame["currency"] == currency]
    fig = go.Figure()
    for index, (account, series) in enumerate(rows.groupby("account", sort=True)):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=_months_x(series),
                y=[to_major(int(v), currency) for v in series["balance_minor"]],
                name=str(account),
                mode="lines+markers",
                line={"color": colour, "width": 2, "dash": "solid" if index < 8 else "dash"},
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + str(account) + "</extra>",
            )
        )
    phone_friendly(fig, f"Balances at month end ({currency})")
    fig.update_yaxes(title_text=currency)
    _monthly_axes(fig)
    return fig


def fees(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Fees paid per month (bars) and fees as a share of income (line, right axis), one currency;
    frame: month, currency, fees_minor, income_minor, fee_share."""
    rows = frame[frame["currency"] == currency]
    fig = _with_secondary_axis()
    xs = _months_x(rows)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=[to_major(int(v), currency) for v in rows["fees_minor"]],
            name="Fees paid",
            marker_color=OKABE_ITO["reddish_purple"],
            hovertemplate="%{y:,.2f} " + currency + "<extra>Fees paid</extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else 100 * float(v) for v in rows["fee_share"]],
            name="Share of income",
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["black"], "width": 2},
            hovertemplate="%{y:.2f}%<extra>Fees ÷ income</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, f"Fees ({currency})")
    fig.update_yaxes(title_text=currency, rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="% of income", rangemode="tozero", secondary_y=True, showgrid=False)
    _monthly_axes(fig)
    return fig


# ---- local value ---------------------------------------------------------------------------------------

ROUND_COLOURS = {
    "r1_minor": OKABE_ITO["blue"],
    "r2_minor": OKABE_ITO["bluish_green"],
    "r3_minor": OKABE_ITO["orange"],
}
ROUND_NAMES = {
    "r1_minor": "R1 income in",
    "r2_minor": "R2 spent locally",
    "r3_minor": "R3 re-spent (estimate)",
}


def local_value(frame: pd.DataFrame, currency: str) -> go.Figure:
    """R1, R2 and R3 per month (grouped bars) and the LM3-style ratio (line, right axis), one currency;
    frame: month, currency, r1_minor, r2_minor, r3_minor, lm3_ratio."""
    rows = frame[frame["currency"] == currency]
    fig = _with_secondary_axis()
    xs = _months_x(rows)
    for column, colour in ROUND_COLOURS.items():
        fig.add_trace(
            go.Bar(
                x=xs,
                y=[to_major(int(v), currency) for v in rows[column]],
                name=ROUND_NAMES[column],
                marker_color=colour,
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + ROUND_NAMES[column] + "</extra>",
            ),
            secondary_y=False,
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else float(v) for v in rows["lm3_ratio"]],
            name="Local multiplier",
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["black"], "width": 2},
            hovertemplate="%{y:.2f}<extra>Local multiplier</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, f"Local value rounds and multiplier ({currency})")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=currency, rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="ratio", rangemode="tozero", secondary_y=True, showgrid=False)
    _monthly_axes(fig)
    return fig


# ---- time bank -----------------------------------------------------------------------------------------


def traders(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Active and new time-bank traders per month (grouped bars); frame: month, trader_status, traders,
    is_suppressed. Withheld counts have no bar and read "fewer than K"."""
    fig = go.Figure()
    for status, colour in (("active", OKABE_ITO["blue"]), ("new", OKABE_ITO["orange"])):
        rows = frame[frame["trader_status"] == status]
        values, texts = cells(rows, "traders", min_count)
        fig.add_trace(
            go.Bar(
                x=_months_x(rows),
                y=values,
                name=f"{status.capitalize()} traders",
                marker_color=colour,
                text=texts,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{text}<extra>" + status.capitalize() + "</extra>",
            )
        )
    withheld = frame[_suppressed(frame)]["trader_status"].value_counts()
    if not withheld.empty:
        # One note for the whole chart: a label per month would sit on the neighbouring bars on a phone.
        parts = [f"{status} traders in {n} month{'s' if n > 1 else ''}" for status, n in sorted(withheld.items())]
        fig.add_annotation(
            x=0, y=1, xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
            text=f"No bar: fewer than {min_count} " + "; ".join(parts), font={"size": 11},
        )  # fmt: skip
    phone_friendly(fig, "Members trading time")
    fig.update_layout(barmode="group", uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_yaxes(title_text="people", rangemode="tozero")
    _monthly_axes(fig)
    return fig


def distribution(
    frame: pd.DataFrame,
    column: str,
    order: Sequence[str],
    *,
    title: str,
    colours: dict[str, str] | None,
    min_count: int,
) -> go.Figure:
    """Members per band or bucket (bars, in `order`); frame: `column`, members, is_suppressed. Every band
    shows: absent ones as 0 members, withheld ones with no bar and "fewer than K"."""
    rows = frame.set_index(column).reindex(list(order))
    rows["is_suppressed"] = rows["is_suppressed"].fillna(False).astype(bool)
    pairs = zip(rows["members"], rows["is_suppressed"], strict=True)
    rows["members"] = [0 if is_missing(v) and not s else v for v, s in pairs]
    values, texts = cells(rows, "members", min_count)
    names = [str(b).replace("_", " ") for b in order]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            text=texts,
            textposition="outside",
            cliponaxis=False,
            name="Members",
            marker_color=[(colours or {}).get(b, OKABE_ITO["blue"]) for b in order],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    _mark_suppressed(fig, names, [v is None for v in values], min_count)
    phone_friendly(fig, title)
    fig.update_layout(showlegend=False, hovermode="closest")
    fig.update_yaxes(title_text="people", rangemode="tozero")
    fig.update_xaxes(type="category")
    return fig


# ---- tables (pure, for st.dataframe) -------------------------------------------------------------------


def _day(value: Any) -> str:
    return "" if is_missing(value) else f"{pd.Timestamp(value).date()}"


def initiative_table(initiatives: pd.DataFrame) -> pd.DataFrame:
    """The organizer table: one row per initiative as data.delivery_initiatives returns them."""
    return pd.DataFrame(
        {
            "Initiative": initiative_labels(initiatives),
            "Group": initiatives["group"],
            "Source": initiatives["source"],
            "State": [initiative_state(r) for r in initiatives.itertuples()],
            "Status": initiatives["status"],
            "Decided": [_day(v) for v in initiatives["decided_on"]],
            "Deadline": [_day(v) for v in initiatives["deadline"]],
            "Delivered": [_day(v) for v in initiatives["delivered_on"]],
            "Milestones done": [
                f"{int(d)} of {int(t)}"
                for d, t in zip(initiatives["milestones_done"], initiatives["milestones_total"], strict=True)
            ],
            "Next milestone due": [_day(v) for v in initiatives["next_milestone_due"]],
            "Overdue": initiatives["is_overdue"].astype(bool),
            "Stalled": initiatives["is_stalled"].astype(bool),
        }
    )


def budget_table(lines: pd.DataFrame) -> pd.DataFrame:
    """Budget lines with the group's treasury spending beside its total allocation for the same period."""

    def money(column: str) -> list[str]:
        return [format_money(int(v), c) for v, c in zip(lines[column], lines["currency"], strict=True)]

    return pd.DataFrame(
        {
            "Group": lines["group"],
            "Fund": lines["fund_type"],
            "Period": [
                f"{_day(s)} – {_day(e)}" for s, e in zip(lines["period_start"], lines["period_end"], strict=True)
            ],
            "Allocated": money("allocated_minor"),
            "Reported spent": money("reported_spent_minor"),
            "Remaining": money("remaining_minor"),
            "Group allocated (all lines)": money("group_allocated_minor"),
            "Spent from the treasuries": money("treasury_spent_minor"),
        }
    )
