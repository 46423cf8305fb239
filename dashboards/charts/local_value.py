"""Local value chart: the LM3-style rounds of local re-spending."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import OKABE_ITO, monthly_axes, months_x, phone_friendly, with_secondary_axis
from dashboards.formatting import is_missing, to_major
from dashboards.i18n import N_, _

ROUND_COLOURS = {
    "r1_minor": OKABE_ITO["blue"],
    "r2_minor": OKABE_ITO["bluish_green"],
    "r3_minor": OKABE_ITO["orange"],
}


ROUND_NAMES = {
    "r1_minor": N_("R1 income in"),
    "r2_minor": N_("R2 spent locally"),
    "r3_minor": N_("R3 re-spent (estimate)"),
}


def local_value(frame: pd.DataFrame, currency: str) -> go.Figure:
    """R1, R2 and R3 per month (grouped bars) and the LM3-style ratio (line, right axis), one currency;
    frame: month, currency, r1_minor, r2_minor, r3_minor, lm3_ratio."""
    rows = frame[frame["currency"] == currency]
    fig = with_secondary_axis()
    xs = months_x(rows)
    for column, colour in ROUND_COLOURS.items():
        name = _(ROUND_NAMES[column])
        fig.add_trace(
            go.Bar(
                x=xs,
                y=[to_major(int(v), currency) for v in rows[column]],
                name=name,
                marker_color=colour,
                hovertemplate="%{y:,.2f} " + currency + "<extra>" + name + "</extra>",
            ),
            secondary_y=False,
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[None if is_missing(v) else float(v) for v in rows["lm3_ratio"]],
            name=_("Local multiplier"),
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["black"], "width": 2},
            hovertemplate="%{y:.2f}<extra>" + _("Local multiplier") + "</extra>",
        ),
        secondary_y=True,
    )
    phone_friendly(fig, _("Local value rounds and multiplier ({currency})").format(currency=currency))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=currency, rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=_("ratio"), rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig
