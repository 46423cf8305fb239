"""Delivery charts and tables: delivery rates against the on-time target, the milestone Gantt, the initiatives table."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import OKABE_ITO, day_text, monthly_axes, months_x, phone_friendly
from dashboards.formatting import is_missing

ON_TIME_TARGET_PCT = 80  # TogetherOS admin-accountability target: more than 80% delivered on time


def delivery_rates(frame: pd.DataFrame) -> go.Figure:
    """Delivery rate and on-time rate by month of decision (grouped bars, percent), with the platform's
    on-time target; frame: decision_month and the delivery_rates columns."""
    fig = go.Figure()
    xs = months_x(frame, "decision_month")
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
    monthly_axes(fig)
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


def days_overdue(initiatives: pd.DataFrame, as_of: date | None) -> list[int | None]:
    """Days past the deadline as of the data's latest day, for an overdue initiative; None otherwise."""
    days: list[int | None] = []
    for overdue, deadline in zip(initiatives["is_overdue"], initiatives["deadline"], strict=True):
        if as_of is None or not overdue or is_missing(deadline):
            days.append(None)
        else:
            days.append((as_of - pd.Timestamp(deadline).date()).days)
    return days


def initiative_table(initiatives: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """The organizer table: one row per initiative as data.delivery_initiatives returns them; with
    `as_of` (the data's latest day), how many days each overdue one is past its deadline."""
    return pd.DataFrame(
        {
            "Initiative": initiative_labels(initiatives),
            "Days overdue": pd.array(days_overdue(initiatives, as_of), dtype="Int64"),
            "Group": initiatives["group"],
            "Source": initiatives["source"],
            "State": [initiative_state(r) for r in initiatives.itertuples()],
            "Status": initiatives["status"],
            "Decided": [day_text(v) for v in initiatives["decided_on"]],
            "Deadline": [day_text(v) for v in initiatives["deadline"]],
            "Delivered": [day_text(v) for v in initiatives["delivered_on"]],
            "Milestones done": [
                f"{int(d)} of {int(t)}"
                for d, t in zip(initiatives["milestones_done"], initiatives["milestones_total"], strict=True)
            ],
            "Next milestone due": [day_text(v) for v in initiatives["next_milestone_due"]],
            "Overdue": initiatives["is_overdue"].astype(bool),
            "Stalled": initiatives["is_stalled"].astype(bool),
        }
    )
