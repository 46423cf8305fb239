"""What every chart shares: the Okabe–Ito palette, the phone-friendly layout, suppressed cells shown as
such, month axes, and the period trend (this period against the one before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.numbers import get_decimal_symbol, get_group_symbol
from plotly.subplots import make_subplots

from dashboards.formatting import (
    compact_number,
    format_count,
    format_number,
    is_missing,
    month_key,
    month_label,
    shift_month,
    withheld_text,
)
from dashboards.formatting import day_text as _day_text
from dashboards.i18n import _, locale, ngettext

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


# Plotly's toolbar sits over the title on a phone; the data are in the tables and the release instead.
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


def whole_number(value: Any) -> str:
    return format_number(int(value))


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
        # Plotly's own numbers (axes, hovers) with the language's decimal and grouping marks
        separators=get_decimal_symbol(locale()) + get_group_symbol(locale()),
    )
    return fig


NOTE = "note"  # the name of an annotation that the chart's text summary repeats


def add_note(fig: go.Figure, text: str) -> None:
    """A note above the plot (lines split with <br>) that the text summary repeats."""
    fig.add_annotation(
        x=0, y=1, xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False, align="left",
        text=text, name=NOTE, font={"size": 11, "color": OKABE_ITO["black"]},
    )  # fmt: skip


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
    min_count: int | None,
    value_format: Callable[[Any], str] = whole_number,
) -> go.Figure:
    """A monthly value over the period, with the previous period (dashed) drawn on the same months.

    `current`/`previous` hold month, `column` and optionally is_suppressed. The previous period is shifted
    forward by `period_months` so each month lines up with the one it is compared to; suppressed months
    are gaps (never 0), labelled "fewer than K".
    """
    fig = go.Figure()
    for frame, name, colour, shift, dash in (
        (previous, _("Previous period"), PREVIOUS_COLOUR, period_months, "dash"),
        (current, _("This period"), CURRENT_COLOUR, 0, "solid"),
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
    frame: pd.DataFrame, column: str, min_count: int | None, value_format: Callable[[Any], str] = whole_number
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


def mark_suppressed(fig: go.Figure, xs: Sequence[Any], suppressed: Sequence[bool], min_count: int | None) -> None:
    """A vertical "fewer than K" at the foot of every withheld x, so a gap is never read as zero."""
    for x in sorted({x for x, s in zip(xs, suppressed, strict=True) if s}):
        fig.add_annotation(
            x=x,
            y=0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            textangle=-90,
            text=withheld_text(min_count),
            font={"size": 11, "color": OKABE_ITO["black"]},
        )


def months_x(frame: pd.DataFrame, column: str = "month") -> list[str]:
    return [month_start_of(month_key(m)) for m in pd.to_datetime(frame[column]).dt.date]


MONTH_TICKS = 6  # at most, so the labels stay apart on a phone


def monthly_axes(fig: go.Figure) -> None:
    """Month ticks named by Babel in the current language (Plotly names months in English only), every
    few months when there are many (a tick per month crowds a phone)."""
    months = sorted({str(x)[:7] for trace in fig.data for x in (trace.x or ()) if _is_day(x)})
    step = max(1, -(-len(months) // MONTH_TICKS))
    ticks = months[::step]
    fig.update_xaxes(tickvals=[month_start_of(m) for m in ticks], ticktext=[month_label(m) for m in ticks])


def with_secondary_axis() -> go.Figure:
    """A figure with a right-hand axis that picks its own round ticks: Streamlit's theme would line
    them up with the left axis' gridlines, at values such as 2.312 and 1.734."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_yaxes(tickmode="auto", nticks=6, showgrid=False, secondary_y=True)
    return fig


def day_text(value: Any) -> str:
    """A released day as a visitor reads it ('30 Jun 2025', in the current language); '' when missing."""
    return "" if is_missing(value) else _day_text(pd.Timestamp(value).date())


SUMMARY_POINTS = 4  # categories named in a summary; the table beside the chart has them all


def summary(fig: go.Figure) -> str:
    """The chart in one or two sentences for a screen reader (and anyone): its title, what it spans and
    each series' latest value; written from the figure itself, so it always says what is drawn."""
    title = fig.layout.title.text or _("Chart")
    parts = []
    for trace in fig.data:
        if trace.type == "sankey":
            return _sankey_summary(title, trace)
        if trace.type == "heatmap":
            return _("{title}: a grid of {rows} rows by {columns} columns.").format(
                title=title, rows=len(trace.y or ()), columns=len(trace.x or ())
            )
        # bars drawn sideways (and funnels) carry their values on x
        horizontal = not _numbers(trace.y) and _numbers(trace.x)
        xs, ys = (trace.y, trace.x) if horizontal else (trace.x, trace.y)
        points = [(x, y) for x, y in zip(xs or (), ys or (), strict=False) if not is_missing(y)]
        if not points:
            continue
        if not _numbers([y for _, y in points]):  # a timeline: bars placed by date, no value to read
            items = ngettext("{count} item", "{count} items", len(points)).format(count=len(points))
            parts.append(f"{trace.name or _('items')}: {items}")
            continue
        unit = _axis_unit(fig, trace, horizontal)
        if _is_day(points[-1][0]):
            where, value = points[-1]
            parts.append(f"{trace.name or _('value')} {compact_number(float(value))}{unit} ({_point_name(where)})")
        else:
            shown = ", ".join(f"{x} {compact_number(float(y))}" for x, y in points[:SUMMARY_POINTS])
            more = (
                _(" and {count} more").format(count=len(points) - SUMMARY_POINTS)
                if len(points) > SUMMARY_POINTS
                else ""
            )
            parts.append(f"{trace.name or _('value')}{unit and ' (' + unit.strip() + ')'}: {shown}{more}")
    notes = [a.text.replace("<br>", " ") for a in fig.layout.annotations if a.name == NOTE]
    if notes:
        parts.append(" ".join(notes))
    span = _x_span(fig)
    latest = (_("; latest: ") + "; ".join(parts)) if span and parts else (": " + "; ".join(parts)) if parts else ""
    return f"{title}{span}{latest}."


def _numbers(values: Any) -> bool:
    present = [v for v in values or () if not is_missing(v)]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)


def _axis_unit(fig: go.Figure, trace: Any, horizontal: bool) -> str:
    axis = fig.layout.xaxis if horizontal else fig.layout["yaxis2" if trace.yaxis == "y2" else "yaxis"]
    unit = axis.title.text if axis and axis.title and axis.title.text else ""
    return f" {unit}" if unit else ""


def _is_day(value: Any) -> bool:
    text = str(value)
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _point_name(where: Any) -> str:
    text = str(where)
    return month_label(text[:7]) if _is_day(text) and text.endswith("-01") else text


def _x_span(fig: go.Figure) -> str:
    xs = [x for trace in fig.data for x in (trace.x or ()) if trace.type not in ("sankey", "heatmap")]
    dated = sorted(str(x) for x in xs if _is_day(x))
    if len(dated) != len(xs) or not dated:
        return ""
    return _(", {start} to {end}").format(start=_point_name(dated[0]), end=_point_name(dated[-1]))


def _sankey_summary(title: str, trace: Any) -> str:
    labels, link = list(trace.node.label or ()), trace.link
    if not link.value:
        return _("{title}: no flows.").format(title=title)
    largest = max(range(len(link.value)), key=lambda i: link.value[i])
    return _(
        "{title}: {flows} flows between {nodes} categories and treasuries;"
        " the largest, {source} to {target}, is {amount}."
    ).format(
        title=title,
        flows=len(link.value),
        nodes=len(labels),
        source=labels[link.source[largest]],
        target=labels[link.target[largest]],
        amount=f"{compact_number(float(link.value[largest]))}{trace.valuesuffix or ''}",
    )
