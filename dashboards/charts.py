"""Plotly figures for the dashboard: pure functions of query results, no Streamlit calls.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies);
every figure puts its legend below the plot and keeps margins small so it reads at phone width.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.formatting import format_count, is_missing, month_key, month_label, shift_month, to_major

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

    `current`/`previous` hold month, active_members, is_suppressed. The previous period is shifted
    forward by `period_months` so each month lines up with the one it is compared to; suppressed
    months are gaps (never 0), labelled "fewer than K".
    """
    fig = go.Figure()
    for frame, name, colour, shift, dash in (
        (previous, "Previous period", PREVIOUS_COLOUR, period_months, "dash"),
        (current, "This period", CURRENT_COLOUR, 0, "solid"),
    ):
        if frame.empty:
            continue
        keys = _month_keys(frame)
        cells = list(zip(frame["active_members"], frame["is_suppressed"], strict=True))
        # A suppressed month is a gap in the line: None, never 0.
        values = [None if s or is_missing(v) else int(v) for v, s in cells]
        labels = [
            f"{month_label(k)}: {format_count(v, s, min_count)}"
            for k, (v, s) in zip(keys, cells, strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=[month_start_of(shift_month(k, shift)) for k in keys],
                y=values,
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3 if shift == 0 else 2},
                marker={"size": 7},
                connectgaps=False,
                hovertext=labels,
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    for key, suppressed in zip(_month_keys(current), current["is_suppressed"], strict=True):
        if suppressed:
            fig.add_annotation(
                x=month_start_of(key), y=0, yref="paper", yanchor="bottom", showarrow=False,
                text=f"fewer than {min_count}", font={"size": 11, "color": OKABE_ITO["black"]}, textangle=-90,
            )  # fmt: skip
    phone_friendly(fig, "Active members per month")
    fig.update_layout(showlegend=True)
    fig.update_yaxes(title_text="people", rangemode="tozero")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
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
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig
