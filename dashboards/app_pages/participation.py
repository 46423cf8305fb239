"""Participation: how many take part, who is new, who stays, how evenly, and how fast the forum answers."""

import pandas as pd
import streamlit as st

from dashboards import charts, filters, queries, sections, ui
from dashboards.formatting import day_text, format_count, month_key, month_label
from dashboards.i18n import _, ngettext

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
K = release.min_count

st.title(_("Participation"))
ui.scope_caption(release, group, period, "participation_")

st.header(_("Active members per month"))
sections.participation_trend(release, group, period)
if release.has_dataset("participation_monthly"):
    rows = queries.participation_monthly(release, group.group_id, period.start, period.end)
    if not rows.empty:
        table = pd.DataFrame(
            {
                _("Month"): [month_label(month_key(m)) for m in rows["month"]],
                _("Active members"): [
                    format_count(v, s, ui.withheld_below(release, group))
                    for v, s in zip(rows["active_members"], rows["is_suppressed"], strict=True)
                ],
            }
        )
        with st.expander(_("Monthly figures as a table")):
            st.dataframe(table, hide_index=True, height="content")

st.header(_("Last 7 and 30 days"))
if ui.available(release, "participation_windows", _("Rolling 7- and 30-day activity")):
    windows = queries.participation_windows(release, group.group_id, period.start, period.end)
    if ui.has_rows(windows, _("rolling activity"), group, period):
        metric = release.metric("participation_windows", "active_members")
        columns = st.columns(2)
        for column, days in zip(columns, (7, 30), strict=True):
            latest = windows[windows["window_days"] == days].iloc[-1]
            with column:
                ui.headline(
                    _("Active in the {days} days to {day}").format(days=days, day=day_text(latest["as_of"])),
                    format_count(latest["active_members"], latest["is_suppressed"], K),
                    release=release,
                    metric=metric,
                )
        ui.chart(release, charts.rolling_windows(windows, min_count=K), ("participation_windows", "active_members"))

st.header(_("New and returning members"))
if ui.available(release, "participation_member_flow", _("New and returning members")):
    flow = queries.group_months(release, "participation_member_flow", group.group_id, period.start, period.end)
    if ui.has_rows(flow, _("new or returning member"), group, period):
        ui.chart(release, charts.member_flow(flow, min_count=K), ("participation_member_flow", "members"))

st.header(_("Who stays: monthly cohorts"))
if ui.available(release, "participation_cohorts", _("Member cohorts")):
    cohorts = queries.participation_cohorts(release, group.group_id, period.start, period.end)
    if ui.has_rows(cohorts, _("cohort"), group, period):
        ui.chart(
            release,
            charts.cohort_retention(cohorts, min_count=K),
            ("participation_cohorts", "members"),
            note=_(
                "Colour: share of the cohort active again; “<{count}” marks cells of fewer than {count} people."
            ).format(count=K),
        )

st.header(_("How evenly people take part"))
if ui.available(release, "participation_inequality", _("Participation inequality")):
    spread = queries.group_months(release, "participation_inequality", group.group_id, period.start, period.end)
    if ui.has_rows(spread, _("contribution"), group, period):
        withheld = int(spread["gini"].isna().sum())
        note = ""
        if withheld and ui.withheld_below(release, group):
            note = ngettext(
                "{months} month with fewer than {count} active members shows no figure.",
                "{months} months with fewer than {count} active members show no figure.",
                withheld,
            ).format(months=withheld, count=K)
        elif withheld:
            note = ngettext(
                "{months} month shows no figure: fewer than {count} active members, or a member below sent no "
                "private extract (no Gini can be made of members' Ginis).",
                "{months} months show no figure: fewer than {count} active members, or a member below sent no "
                "private extract (no Gini can be made of members' Ginis).",
                withheld,
            ).format(months=withheld, count=K)
        ui.chart(
            release,
            charts.inequality(spread),
            ("participation_inequality", "gini"),
            ("participation_inequality", "absence_factor"),
            note=note,
        )

st.header(_("Forum: time to first response"))
if ui.available(release, "participation_first_response", _("Forum response times")):
    forum = queries.group_months(release, "participation_first_response", group.group_id, period.start, period.end)
    if ui.has_rows(forum, _("forum topic"), group, period):
        ui.chart(
            release,
            charts.first_response(forum),
            ("participation_first_response", "median_hours_to_first_response"),
        )
