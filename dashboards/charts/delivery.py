"""Delivery charts and tables: delivery rates against the on-time target, the milestone Gantt, the initiatives table."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import OKABE_ITO, day_text, monthly_axes, months_x, phone_friendly
from dashboards.formatting import is_missing
from dashboards.i18n import N_, _, link_params

ON_TIME_TARGET_PCT = 80  # TogetherOS admin-accountability target: more than 80% delivered on time


def delivery_rates(frame: pd.DataFrame) -> go.Figure:
    """Delivery rate and on-time rate by month of decision (grouped bars, percent), with the platform's
    on-time target; frame: decision_month and the delivery_rates columns."""
    fig = go.Figure()
    xs = months_x(frame, "decision_month")
    counts = list(
        zip(frame["decisions_delivered"], frame["decisions_approved"], frame["delivered_on_time"], strict=True)
    )
    late = zip(frame["initiatives_overdue"], frame["initiatives_stalled"], strict=True)
    for column, name, colour, hover in (
        (
            "delivery_rate_pct",
            _("Delivery rate"),
            OKABE_ITO["blue"],
            [
                _(
                    "{delivered} of {approved} approved decisions delivered;"
                    " of their initiatives {overdue} overdue, {stalled} stalled now"
                ).format(delivered=d, approved=a, overdue=o, stalled=s)
                for (d, a, _on_time), (o, s) in zip(counts, late, strict=True)
            ],
        ),
        (
            "on_time_rate_pct",
            _("On time"),
            OKABE_ITO["bluish_green"],
            [_("{on_time} of {delivered} delivered on time").format(on_time=t, delivered=d) for d, _a, t in counts],
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
        annotation_text=_("on-time target {pct}%").format(pct=ON_TIME_TARGET_PCT),
        annotation_position="top left",
    )
    phone_friendly(fig, _("Delivery by month of decision"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=_("% of decisions"), range=[0, 105])
    monthly_axes(fig)
    return fig


# by state (in English, translated where shown)
GANTT_COLOURS = {
    N_("Overdue"): OKABE_ITO["vermillion"],
    N_("Stalled"): OKABE_ITO["orange"],
    N_("Under way"): OKABE_ITO["blue"],
    N_("Delivered"): OKABE_ITO["bluish_green"],
}


def initiative_state(row: Any) -> str:
    """Overdue beats stalled beats under way; delivered when it has a delivery day (in English: a key of
    GANTT_COLOURS, translated where shown)."""
    if row.is_overdue:
        return "Overdue"
    if row.is_stalled:
        return "Stalled"
    return "Under way" if is_missing(row.delivered_on) else "Delivered"


def short_id(initiative_id: str) -> str:
    """An id short enough for a label: a Decidim result's number, else the id's first 8 characters."""
    text = str(initiative_id)
    if text.startswith(DECIDIM_RESULT):
        return _("result {number}").format(number=text.removeprefix(DECIDIM_RESULT))
    return text[:8]


DECIDIM_RESULT = "decidim-result-"


def initiative_labels(initiatives: pd.DataFrame) -> list[str]:
    """Row labels: the holding group and a short initiative id (the full id where two would clash)."""
    short = [short_id(i) for i in initiatives["initiative_id"]]
    if len(set(short)) < len(short):
        short = [str(i) for i in initiatives["initiative_id"]]
    return [f"{g} · {s}" for g, s in zip(initiatives["group"], short, strict=True)]


def urgency_text(row: Any) -> str:
    """What an organizer needs to know first: how long overdue, how long without progress, or what is due."""
    parts = []
    if row.is_overdue:
        parts.append(_("overdue {days} days").format(days=int(row.days_overdue)))
    if row.is_stalled:
        parts.append(_("no progress for {days} days").format(days=int(row.days_since_progress)))
    if not parts:
        if not is_missing(row.delivered_on):
            parts.append(_("delivered {day}").format(day=day_text(row.delivered_on)))
        elif not is_missing(row.deadline):
            parts.append(_("due {day}").format(day=day_text(row.deadline)))
        else:
            parts.append(_("no deadline"))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


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
        deadline = _("none") if is_missing(row.deadline) else day_text(row.deadline)
        text = f"{label}<br>{_(state)} · {row.status}<br>" + _("decided {day} · deadline {deadline}").format(
            day=day_text(start), deadline=deadline
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
                    name=_(state),
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
                name=_("Deadline"),
                hoverinfo="x+y",
                marker={"symbol": "diamond", "size": 10, "color": OKABE_ITO["black"]},
            )
        )
    shown = milestones[milestones["initiative_id"].isin(labels)]
    for late, name, symbol, colour in (
        (False, _("Milestone"), "circle", OKABE_ITO["sky_blue"]),
        (True, _("Late milestone"), "x", OKABE_ITO["vermillion"]),
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
                    _("due {day}").format(day=day_text(t))
                    + " · "
                    + (_("open") if o else _("done {day}").format(day=day_text(c)))
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
            text=_("data as of"),
            font={"size": 11},
        )
    height = max(240, 26 * len(labels) + 160)
    phone_friendly(fig, _("Initiatives and milestones"), height=height)
    fig.update_layout(legend={"y": -56 / (height - 56)})  # just under the dates, however many rows
    fig.update_yaxes(
        autorange="reversed",
        type="category",
        categoryorder="array",
        categoryarray=list(labels.values()),
        # each row's label opens the initiative's page
        tickvals=list(labels.values()),
        ticktext=[f'<a href="{initiative_href(i)}" target="_self">{label}</a>' for i, label in labels.items()],
    )
    fig.update_xaxes(type="date")
    fig.update_layout(hovermode="closest")
    return fig


def initiative_href(initiative_id: str) -> str:
    """The initiative's page, relative to the dashboard's pages (dashboards/app_pages/initiative.py), in
    the current language."""
    return f"initiative?{urlencode(link_params({'id': initiative_id}))}"


PAGE_COLUMN = "Page"  # the links' column (the page names it in the visitor's language)


def initiative_table(initiatives: pd.DataFrame) -> pd.DataFrame:
    """The organizer table, key columns first (a phone shows those): one row per initiative as
    queries.delivery_initiatives returns them, days overdue and since the last progress as published."""
    return pd.DataFrame(
        {
            _("Initiative"): initiative_labels(initiatives),
            _("State"): [_(initiative_state(r)) for r in initiatives.itertuples()],
            _("Days overdue"): pd.array(initiatives["days_overdue"], dtype="Int64"),
            _("Days since progress"): pd.array(initiatives["days_since_progress"], dtype="Int64"),
            _("Deadline"): [day_text(v) for v in initiatives["deadline"]],
            _("Group"): initiatives["group"],
            _("Source"): initiatives["source"],
            _("Status"): initiatives["status"],
            _("Decided"): [day_text(v) for v in initiatives["decided_on"]],
            _("Delivered"): [day_text(v) for v in initiatives["delivered_on"]],
            _("Milestones done"): [
                _("{done} of {total}").format(done=int(d), total=int(t))
                for d, t in zip(initiatives["milestones_done"], initiatives["milestones_total"], strict=True)
            ],
            _("Next milestone due"): [day_text(v) for v in initiatives["next_milestone_due"]],
            PAGE_COLUMN: [initiative_href(i) for i in initiatives["initiative_id"]],
        }
    )


def initiative_history(initiative: Any, milestones: pd.DataFrame, as_of: date | None) -> pd.DataFrame:
    """The initiative's history, oldest first, from the dates the release publishes: decided, each
    milestone's target and completion, the deadline, delivery, and where it stands on the as-of day."""
    events: list[tuple[Any, str]] = []
    if not is_missing(initiative.decided_on):
        events.append((initiative.decided_on, _("Decision taken")))
    for number, row in enumerate(milestones.itertuples(), start=1):
        late = _(" (late)") if row.is_late else ""
        if not is_missing(row.completed_on):
            events.append((row.completed_on, _("Milestone {number} completed").format(number=number) + late))
        elif not is_missing(row.target_date):
            events.append((row.target_date, _("Milestone {number} due").format(number=number) + late))
    if not is_missing(initiative.deadline):
        events.append((initiative.deadline, _("Deadline")))
    if not is_missing(initiative.delivered_on):
        events.append((initiative.delivered_on, _("Delivered ({status})").format(status=initiative.status)))
    elif as_of is not None:
        events.append((as_of, _("Data as of: {state}").format(state=urgency_text(initiative).lower())))
    ordered = sorted(events, key=lambda e: pd.Timestamp(e[0]))
    return pd.DataFrame({"day": [day_text(d) for d, _e in ordered], "event": [e for _d, e in ordered]})
