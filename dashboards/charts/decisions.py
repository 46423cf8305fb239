"""Decision charts: proposals by stage, the lifecycle funnel, days in stage, decisions, Decidim proposals
and support points."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts.common import (
    DECIDIM_STATE_COLOURS,
    OKABE_ITO,
    SEQUENTIAL,
    cells,
    mark_suppressed,
    monthly_axes,
    months_x,
    phone_friendly,
    suppressed_flags,
    with_secondary_axis,
)
from dashboards.formatting import format_count, format_number, is_missing, month_key, month_label
from dashboards.i18n import N_, _

# the lifecycle stages and Decidim's answer states, as a visitor reads them (translated where shown)
STAGES = {
    "research": N_("Research"), "deliberation": N_("Deliberation"), "voting": N_("Voting"), "decided": N_("Decided"),
    "delivery": N_("Delivery"), "reviewed": N_("Reviewed"), "archived": N_("Archived"), "draft": N_("Draft"),
}  # fmt: skip
DECIDIM_STATES = {
    "accepted": N_("Accepted"), "evaluating": N_("Evaluating"), "rejected": N_("Rejected"),
    "not_answered": N_("Not answered"),
}  # fmt: skip


def stage_name(stage: object) -> str:
    """A stage in words ('decided' -> 'Decided'); a stage this list lacks reads as its name capitalized."""
    text = str(stage)
    return _(STAGES[text]) if text in STAGES else text.replace("_", " ").capitalize()


def proposals_by_stage(frame: pd.DataFrame, *, min_count: int) -> go.Figure:
    """Horizontal bars of proposals per lifecycle stage (first stage on top).

    frame: stage, proposals, is_suppressed; a suppressed stage has no bar and reads "fewer than K".
    """
    stages = [stage_name(s) for s in frame["stage"]]
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
            name=_("Proposals"),
            hovertemplate="%{y}: %{text}<extra></extra>",
        )  # fmt: skip
    )
    phone_friendly(fig, _("Proposals per stage"), height=max(280, 40 * len(stages) + 80))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=_("proposals"), rangemode="tozero")
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def proposal_funnel(frame: pd.DataFrame) -> go.Figure:
    """Proposals reaching each lifecycle stage (frame: stage, proposals_reached, in lifecycle order)."""
    fig = go.Figure(
        go.Funnel(
            y=[stage_name(s) for s in frame["stage"]],
            x=[int(v) for v in frame["proposals_reached"]],
            marker={"color": OKABE_ITO["blue"]},
            textinfo="value+percent initial",
            name=_("Proposals"),
            connector={"fillcolor": "#DCE9F5"},
        )
    )
    phone_friendly(fig, _("Proposal funnel: proposals reaching each stage"), height=40 * len(frame) + 110)
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def days_in_stage(frame: pd.DataFrame) -> go.Figure:
    """Heatmap of the median days in each stage (rows, lifecycle order) by creation month (columns);
    frame: cohort_month, stage, stage_order, proposals_moved_on, median_days_in_stage."""
    stages = frame.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    months = sorted(pd.to_datetime(frame["cohort_month"]).dt.date.unique())
    lookup = {
        (pd.Timestamp(r.cohort_month).date(), r.stage): (r.median_days_in_stage, r.proposals_moved_on)
        for r in frame.itertuples()
    }
    z, text, hover = [], [], []
    for stage in stages:
        row = [lookup.get((m, stage), (None, 0)) for m in months]
        z.append([None if is_missing(v) else float(v) for v, _n in row])
        text.append(["" if is_missing(v) else format_number(float(v), 1) for v, _n in row])
        hover.append(
            [
                _("{stage}, created {month}: ").format(stage=stage_name(stage), month=month_label(month_key(m)))
                + (
                    _("none moved on yet")
                    if is_missing(v)
                    else _("median {days} days, {count} moved on").format(days=format_number(float(v), 1), count=int(n))
                )
                for m, (v, n) in zip(months, row, strict=True)
            ]
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[month_label(month_key(m)) for m in months],
            y=[stage_name(s) for s in stages],
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=SEQUENTIAL,
            colorbar={"title": _("days"), "thickness": 10},
            xgap=1,
            ygap=1,
        )
    )
    phone_friendly(fig, _("Median days in stage, by month created"), height=34 * len(stages) + 140)
    fig.update_xaxes(type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(hovermode="closest")
    return fig


def decisions(frame: pd.DataFrame) -> go.Figure:
    """Decisions per month: decided, approved and meeting the vote threshold (bars), with a block or a
    minority report (lines); frame: month and the governance_decisions counts."""
    fig = go.Figure()
    xs = months_x(frame)
    for column, name, colour in (
        ("proposals_decided", _("Decided"), OKABE_ITO["blue"]),
        ("proposals_approved", _("Approved"), OKABE_ITO["bluish_green"]),
        ("proposals_threshold_met", _("Met the vote threshold"), OKABE_ITO["sky_blue"]),
    ):
        fig.add_trace(go.Bar(x=xs, y=list(frame[column]), name=name, marker_color=colour))
    for column, name, colour, symbol in (
        ("proposals_with_blocks", _("With a block"), OKABE_ITO["vermillion"], "x"),
        ("proposals_with_minority_report", _("With a minority report"), OKABE_ITO["reddish_purple"], "diamond"),
    ):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=list(frame[column]),
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"symbol": symbol, "size": 9},
            )
        )
    phone_friendly(fig, _("Decisions per month"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=_("proposals"), rangemode="tozero")
    monthly_axes(fig)
    return fig


def decidim_proposals(frame: pd.DataFrame) -> go.Figure:
    """Decidim proposals per month published, stacked by answer state; frame: month, state, proposals,
    supports (supports in the hover)."""
    fig = go.Figure()
    for state, colour in DECIDIM_STATE_COLOURS.items():
        rows = frame[frame["state"] == state]
        if rows.empty:
            continue
        supports = [_("hidden") if is_missing(v) else format_number(int(v)) for v in rows["supports"]]
        name = _(DECIDIM_STATES[state])
        fig.add_trace(
            go.Bar(
                x=months_x(rows),
                y=list(rows["proposals"]),
                name=name,
                marker_color=colour,
                hovertext=[
                    _("{proposals} proposals, {supports} supports").format(proposals=p, supports=s)
                    for p, s in zip(rows["proposals"], supports, strict=True)
                ],
                hovertemplate="%{hovertext}<extra>" + name + "</extra>",
            )
        )
    phone_friendly(fig, _("Decidim proposals by state"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=_("proposals"), rangemode="tozero")
    monthly_axes(fig)
    return fig


def support_points(frame: pd.DataFrame, *, min_count: int | None) -> go.Figure:
    """Support points allocated per month (bars) and the members who allocated them (line, right axis);
    frame: month, allocations, points_allocated, allocators, is_suppressed."""
    fig = with_secondary_axis()
    xs = months_x(frame)
    points, point_texts = cells(frame, "points_allocated", min_count)
    people, people_texts = cells(frame, "allocators", min_count)
    fig.add_trace(
        go.Bar(
            x=xs,
            y=points,
            name=_("Points allocated"),
            marker_color=OKABE_ITO["blue"],
            hovertext=point_texts,
            hovertemplate="%{hovertext} " + _("points") + "<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=people,
            name=_("Members allocating"),
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO["orange"], "width": 2},
            hovertext=people_texts,
            hovertemplate="%{hovertext} " + _("members") + "<extra></extra>",
        ),
        secondary_y=True,
    )
    mark_suppressed(fig, xs, suppressed_flags(frame), min_count)
    phone_friendly(fig, _("Support points allocated"))
    fig.update_yaxes(title_text=_("points"), rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=_("people"), rangemode="tozero", secondary_y=True, showgrid=False)
    monthly_axes(fig)
    return fig
