"""Time-bank charts: traders and the fair-exchange and balance distributions."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import (
    OKABE_ITO,
    cells,
    mark_suppressed,
    monthly_axes,
    months_x,
    phone_friendly,
    suppressed_flags,
)
from dashboards.formatting import is_missing


def traders(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Active and new time-bank traders per month (grouped bars); frame: month, trader_status, traders,
    is_suppressed. Withheld counts have no bar and read "fewer than K"."""
    fig = go.Figure()
    for status, colour in (("active", OKABE_ITO["blue"]), ("new", OKABE_ITO["orange"])):
        rows = frame[frame["trader_status"] == status]
        values, texts = cells(rows, "traders", min_count)
        fig.add_trace(
            go.Bar(
                x=months_x(rows),
                y=values,
                name=f"{status.capitalize()} traders",
                marker_color=colour,
                text=texts,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{text}<extra>" + status.capitalize() + "</extra>",
            )
        )
    withheld = frame[suppressed_flags(frame)]["trader_status"].value_counts()
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
    monthly_axes(fig)
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
    mark_suppressed(fig, names, [v is None for v in values], min_count)
    phone_friendly(fig, title)
    fig.update_layout(showlegend=False, hovermode="closest")
    fig.update_yaxes(title_text="people", rangemode="tozero")
    fig.update_xaxes(type="category")
    return fig
