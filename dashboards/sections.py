"""Chart sections shown both on the Overview and on their topic page: query, then chart, then caption."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, queries, releases
from dashboards.filters import Group, Period
from dashboards.formatting import month_label, months_between, previous_period
from dashboards.ui import chart, definitions, not_in_release, plot


def participation_trend(release: releases.Release, group: Group, period: Period | None) -> None:
    if not release.has_dataset("participation_monthly") or period is None:
        not_in_release("Monthly participation")
        return
    current = queries.participation_monthly(release, group.group_id, period.start, period.end)
    if current.empty:
        st.info(f"No participation is recorded for {group.name} in {period.label}.")
        return
    before = previous_period(period.start, period.end)
    previous = queries.participation_monthly(release, group.group_id, *before)
    length = months_between(period.start, period.end)
    figure = charts.active_members_trend(current, previous, period_months=length, min_count=release.min_count)
    previous_text = f"the previous period ({month_label(before[0])} – {month_label(before[1])})"
    comparison = (
        f"Dashed line: {previous_text}, drawn on the same months."
        if not previous.empty
        else f"This release has no data for {previous_text} to compare with."
    )
    note = f"{comparison} Months with fewer than {release.min_count} active people show as a gap, never as 0."
    chart(release, figure, ("participation_monthly", "active_members"), note=note)


def proposals_chart(release: releases.Release, group: Group) -> None:
    if not release.has_dataset("proposals_by_stage"):
        not_in_release("Proposals per stage")
        return
    stages = queries.proposals_by_stage(release, group.group_id)
    if not (stages["is_suppressed"].any() or stages["proposals"].sum()):
        st.info(f"No proposals are recorded for {group.name} yet.")
        return
    chart(
        release,
        charts.proposals_by_stage(stages, min_count=release.min_count),
        ("proposals_by_stage", "proposals"),
        note="Every proposal of the group and the groups below it, by its current stage (all time).",
    )


def treasury_charts(release: releases.Release, group: Group, period: Period | None) -> None:
    if not release.has_dataset("treasury_monthly") or period is None:
        not_in_release("Treasury flows")
        return
    flows = queries.treasury_monthly(release, group.group_id, period.start, period.end)
    if flows.empty:
        st.info(f"No treasury flows are recorded for {group.name} in {period.label}.")
        return
    for currency in sorted(flows["currency"].unique()):
        plot(charts.treasury_flows(flows, currency))
    st.caption("Money in and out of the group's accounts per month, in each currency (never converted).")
    definitions(release, ("treasury_monthly", "inflow_minor"), ("treasury_monthly", "outflow_minor"))
