"""Participation charts: active members, rolling windows, cohorts, member flow, inequality, first response."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import (
    OKABE_ITO,
    SEQUENTIAL,
    cells,
    day_text,
    mark_suppressed,
    monthly_axes,
    months_x,
    period_trend,
    phone_friendly,
    suppressed_flags,
    with_secondary_axis,
)
from dashboards.formatting import is_missing, month_key, month_label
from dashboards.i18n import _


def active_members_trend(
    current: pd.DataFrame, previous: pd.DataFrame, *, period_months: int, min_count: int | None
) -> go.Figure:
    """Monthly active members over the period, with the previous period drawn on the same months.

    `current`/`previous` hold month, active_members, is_suppressed.
    """
    return period_trend(
        current, previous, "active_members", title=_("Active members per month"), y_title=_("people"),
        period_months=period_months, min_count=min_count,
    )  # fmt: skip


def rolling_windows(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Active members over the 7 and 30 days ending on each date; frame: as_of, window_days,
    active_members, is_suppressed. Withheld windows are gaps marked "fewer than K"."""
    fig = go.Figure()
    for days, colour in ((30, OKABE_ITO["blue"]), (7, OKABE_ITO["orange"])):
        rows = frame[frame["window_days"] == days]
        values, texts = cells(rows, "active_members", min_count)
        xs = [f"{d:%Y-%m-%d}" for d in pd.to_datetime(rows["as_of"])]
        name = _("Last {days} days").format(days=days)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=values,
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "width": 3 if days == 30 else 2},
                marker={"size": 6},
                hovertext=[f"{day_text(x)}: {t}" for x, t in zip(xs, texts, strict=True)],
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    phone_friendly(fig, _("Active members in the last 7 and 30 days"))
    fig.update_yaxes(title_text=_("people"), rangemode="tozero")
    withheld = frame[suppressed_flags(frame)]
    if not withheld.empty:
        fig.add_annotation(
            x=0,
            y=1,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            text=_("Gaps: fewer than {count} people").format(count=min_count),
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
            row_hover.append(
                _("{month} cohort, month {since}: {shown}").format(
                    month=month_label(month_key(cohort)), since=since, shown=shown or _("no data")
                )
            )
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
            colorbar={"title": _("% active"), "thickness": 10},
            xgap=1,
            ygap=1,
        )
    )
    phone_friendly(fig, _("Members retained, by month they joined"), height=max(300, 26 * len(cohorts) + 140))
    fig.update_xaxes(title_text=_("months since joining"), type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(hovermode="closest")
    return fig


def member_flow(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Stacked bars of returning and new members per month; frame: month, kind, members, is_suppressed."""
    fig = go.Figure()
    for kind, name, colour in (
        ("returning", _("Returning"), OKABE_ITO["blue"]),
        ("new", _("New"), OKABE_ITO["orange"]),
    ):
        rows = frame[frame["kind"] == kind]
        values, texts = cells(rows, "members", min_count)
        fig.add_trace(
            go.Bar(
                x=months_x(rows),
                y=values,
                name=name,
                marker_color=colour,
                hovertext=texts,
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    mark_suppressed(fig, months_x(frame), suppressed_flags(frame), min_count)
    phone_friendly(fig, _("New and returning members per month"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=_("people"), rangemode="tozero")
    monthly_axes(fig)
    return fig


def inequality(frame: pd.DataFrame) -> go.Figure:
    """Gini of contributions per member (line, left axis 0–1) and the contributor absence factor (bars,
    right axis); frame: month, gini, absence_factor (empty where withheld: a gap)."""
    fig = with_secondary_axis()
    xs = months_x(frame)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=[None if is_missing(v) else int(v) for v in frame["absence_factor"]],
            name=_("Absence factor (people)"),
            marker_color=OKABE_ITO["sky_blue"],
            hovertemplate=_("{people} people make half of the contributions").format(people="%{y}") + "<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else float(v) for v in frame["gini"]],
            name=_("Gini"),
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["blue"], "width": 3},
            hovertemplate="Gini %{y:.3f}<extra></extra>",
        ),
        secondary_y=False,
    )
    phone_friendly(fig, _("How evenly contributions spread"))
    fig.update_yaxes(title_text=_("Gini (0 = even)"), range=[0, 1], secondary_y=False)
    fig.update_yaxes(title_text=_("people"), rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig


def first_response(frame: pd.DataFrame) -> go.Figure:
    """Forum topics opened and answered (bars) and the median hours to a first reply (line, right axis)."""
    fig = with_secondary_axis()
    xs = months_x(frame)
    for column, name, colour in (
        ("topics_opened", _("Topics opened"), OKABE_ITO["sky_blue"]),
        ("topics_answered", _("Answered"), OKABE_ITO["blue"]),
    ):
        fig.add_trace(go.Bar(x=xs, y=list(frame[column]), name=name, marker_color=colour), secondary_y=False)
    hours = [None if is_missing(v) else float(v) for v in frame["median_hours_to_first_response"]]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=hours,
            name=_("Median hours to first reply"),
            mode="lines+markers",
            line={"color": OKABE_ITO["vermillion"], "width": 3},
            connectgaps=False,
            hovertemplate="%{y:.1f} h<extra>" + _("Median to first reply") + "</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, _("Forum: time to first response"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=_("topics"), rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=_("hours"), rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig
