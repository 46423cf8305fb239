"""Local value chart: the LM3-style rounds of local re-spending."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import OKABE_ITO, monthly_axes, months_x, phone_friendly, with_secondary_axis
from dashboards.formatting import is_missing, to_major

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
    fig = with_secondary_axis()
    xs = months_x(rows)
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
    monthly_axes(fig)
    return fig
