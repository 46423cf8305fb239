"""What every chart shares: the Okabe–Ito palette, the phone-friendly layout, suppressed cells shown as
such, month axes, and the period trend (this period against the one before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.formatting import format_count, is_missing, month_key, month_label, shift_month

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


def whole_number(value: Any) -> str:
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


def month_keys(frame: pd.DataFrame) -> list[str]:
    return [month_key(m) for m in pd.to_datetime(frame["month"]).dt.date]


def period_trend(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    column: str,
    *,
    title: str,
    y_title: str,
    period_months: int,
    min_count: int,
    value_format: Callable[[Any], str] = whole_number,
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
        keys = month_keys(frame)
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
    mark_suppressed(fig, [month_start_of(k) for k in month_keys(current)], suppressed_flags(current), min_count)
    phone_friendly(fig, title)
    fig.update_layout(showlegend=True)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    monthly_axes(fig)
    return fig


def month_start_of(key: str) -> str:
    """Plotly date string for the first day of a 'YYYY-MM' month."""
    return f"{key}-01"


def cells(
    frame: pd.DataFrame, column: str, min_count: int, value_format: Callable[[Any], str] = whole_number
) -> tuple[list[Any], list[str]]:
    """Plot values and their text: a suppressed (or null) cell is None, read "fewer than K", never 0."""
    suppressed = suppressed_flags(frame)
    values = [None if s or is_missing(v) else v for v, s in zip(frame[column], suppressed, strict=True)]
    texts = [format_count(v, True, min_count) if v is None else value_format(v) for v in values]
    return values, texts


def suppressed_flags(frame: pd.DataFrame) -> list[bool]:
    if "is_suppressed" in frame:
        return [bool(s) for s in frame["is_suppressed"]]
    return [False] * len(frame)


def mark_suppressed(fig: go.Figure, xs: Sequence[Any], suppressed: Sequence[bool], min_count: int) -> None:
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


def months_x(frame: pd.DataFrame, column: str = "month") -> list[str]:
    return [month_start_of(month_key(m)) for m in pd.to_datetime(frame[column]).dt.date]


def monthly_axes(fig: go.Figure) -> None:
    """Month ticks that Plotly thins out on a narrow screen (a tick per month crowds a phone)."""
    fig.update_xaxes(tickformat="%b %Y", nticks=8, ticklabelmode="instant")


def with_secondary_axis() -> go.Figure:
    return make_subplots(specs=[[{"secondary_y": True}]])


def pct_text(value: Any) -> str:
    return f"{float(value):.1f}%"


def days_text(value: Any) -> str:
    return f"{float(value):.1f} days"


def day_text(value: Any) -> str:
    return "" if is_missing(value) else f"{pd.Timestamp(value).date()}"
