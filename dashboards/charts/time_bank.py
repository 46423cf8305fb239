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
from dashboards.i18n import N_, _, ngettext

TRADER_STATUSES = {"active": N_("active"), "new": N_("new")}
# the fair-exchange bands and balance buckets as a visitor reads them (translated where shown)
BANDS = {
    "excellent": N_("excellent"), "good": N_("good"), "balanced": N_("balanced"), "warning": N_("warning"),
    "critical": N_("critical"), "provided_only": N_("provided only"), "owes_over_10h": N_("owes over 10h"),
    "owes_2h_to_10h": N_("owes 2h to 10h"), "within_2h": N_("within 2h"), "owed_2h_to_10h": N_("owed 2h to 10h"),
    "owed_over_10h": N_("owed over 10h"),
}  # fmt: skip


def traders(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Active and new time-bank traders per month (grouped bars); frame: month, trader_status, traders,
    is_suppressed. Withheld counts have no bar and read "fewer than K"."""
    fig = go.Figure()
    for status, name, colour in (
        ("active", _("Active traders"), OKABE_ITO["blue"]),
        ("new", _("New traders"), OKABE_ITO["orange"]),
    ):
        rows = frame[frame["trader_status"] == status]
        values, texts = cells(rows, "traders", min_count)
        fig.add_trace(
            go.Bar(
                x=months_x(rows),
                y=values,
                name=name,
                marker_color=colour,
                text=texts,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{text}<extra>" + name + "</extra>",
            )
        )
    withheld = frame[suppressed_flags(frame)]["trader_status"].value_counts()
    if not withheld.empty:
        # One note for the whole chart: a label per month would sit on the neighbouring bars on a phone.
        parts = [
            ngettext("{status} traders in {count} month", "{status} traders in {count} months", n).format(
                status=_(TRADER_STATUSES.get(status, status)), count=n
            )
            for status, n in sorted(withheld.items())
        ]
        fig.add_annotation(
            x=0, y=1, xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
            text=_("No bar: fewer than {count} {which}").format(count=min_count, which="; ".join(parts)),
            font={"size": 11},
        )  # fmt: skip
    phone_friendly(fig, _("Members trading time"))
    fig.update_layout(barmode="group", uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_yaxes(title_text=_("people"), rangemode="tozero")
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
    names = [_(BANDS[b]) if b in BANDS else str(b).replace("_", " ") for b in order]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            text=texts,
            textposition="outside",
            cliponaxis=False,
            name=_("Members"),
            marker_color=[(colours or {}).get(b, OKABE_ITO["blue"]) for b in order],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    mark_suppressed(fig, names, [v is None for v in values], min_count)
    phone_friendly(fig, title)
    fig.update_layout(showlegend=False, hovermode="closest")
    fig.update_yaxes(title_text=_("people"), rangemode="tozero")
    fig.update_xaxes(type="category")
    return fig
