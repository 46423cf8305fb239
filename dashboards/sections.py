"""Chart sections shown both on the Overview and on their topic page: query, then chart, then caption."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, queries, releases
from dashboards.filters import Group, Period
from dashboards.formatting import month_label, months_between, previous_period
from dashboards.i18n import _
from dashboards.ui import chart, definitions, not_in_release, plot, withheld_below


def participation_trend(release: releases.Release, group: Group, period: Period | None) -> None:
    if not release.has_dataset("participation_monthly") or period is None:
        not_in_release(_("Monthly participation"))
        return
    current = queries.participation_monthly(release, group.group_id, period.start, period.end)
    if current.empty:
        st.info(
            _("No participation is recorded for {group} in {period}.").format(group=group.name, period=period.label)
        )
        return
    before = previous_period(period.start, period.end)
    previous = queries.participation_monthly(release, group.group_id, *before)
    length = months_between(period.start, period.end)
    figure = charts.active_members_trend(
        current, previous, period_months=length, min_count=withheld_below(release, group)
    )
    span = {"start": month_label(before[0]), "end": month_label(before[1])}
    comparison = (
        _("Dashed line: the previous period ({start} – {end}), drawn on the same months.").format(**span)
        if not previous.empty
        else _("This release has no data for the previous period ({start} – {end}) to compare with.").format(**span)
    )
    note = (
        comparison
        + " "
        + _("Months with fewer than {count} active people show as a gap, never as 0.").format(count=release.min_count)
    )
    chart(release, figure, ("participation_monthly", "active_members"), note=note)


def proposals_chart(release: releases.Release, group: Group) -> None:
    if not release.has_dataset("proposals_by_stage"):
        not_in_release(_("Proposals per stage"))
        return
    stages = queries.proposals_by_stage(release, group.group_id)
    if not (stages["is_suppressed"].any() or stages["proposals"].sum()):
        st.info(_("No proposals are recorded for {group} yet.").format(group=group.name))
        return
    chart(
        release,
        charts.proposals_by_stage(stages, min_count=release.min_count),
        ("proposals_by_stage", "proposals"),
        note=_("Every proposal of the group and the groups below it, by its current stage (all time)."),
    )


def treasury_charts(release: releases.Release, group: Group, period: Period | None) -> None:
    if not release.has_dataset("treasury_monthly") or period is None:
        not_in_release(_("Treasury flows"))
        return
    flows = queries.treasury_monthly(release, group.group_id, period.start, period.end)
    if flows.empty:
        st.info(
            _("No treasury flows are recorded for {group} in {period}.").format(group=group.name, period=period.label)
        )
        return
    for currency in sorted(flows["currency"].unique()):
        plot(charts.treasury_flows(flows, currency))
    st.caption(_("Money in and out of the group's accounts per month, in each currency (never converted)."))
    definitions(release, ("treasury_monthly", "inflow_minor"), ("treasury_monthly", "outflow_minor"))
