"""Decisions & delivery: where proposals stand, how they move through the funnel, who votes, and
whether approved decisions get delivered (on time)."""

import pandas as pd
import streamlit as st

from dashboards import charts, filters, i18n, initiative_views, queries, sections, ui
from dashboards.formatting import format_count, format_number, format_pct, months_between, previous_period
from dashboards.i18n import _
from dashboards.navigation import PAGES_DIR

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
K = release.min_count

st.title(_("Decisions & delivery"))
ui.scope_caption(release, group, period, "proposals_by_stage", "governance_", "delivery_rates")

st.header(_("Proposals per stage today"))
sections.proposals_chart(release, group)
if release.has_dataset("proposals_by_stage"):
    stages = queries.proposals_by_stage(release, group.group_id)
    table = pd.DataFrame(
        {
            _("Stage"): [charts.stage_name(s) for s in stages["stage"]],
            _("Proposals"): [
                format_count(v, s, K) for v, s in zip(stages["proposals"], stages["is_suppressed"], strict=True)
            ],
        }
    )
    st.dataframe(table, hide_index=True)

st.header(_("Proposal funnel"))
if ui.available(release, "governance_funnel", _("The proposal funnel")):
    funnel = queries.funnel_totals(release, group.group_id, period.start, period.end)
    if ui.has_rows(funnel, _("proposal created"), group, period):
        ui.chart(
            release,
            charts.proposal_funnel(funnel),
            ("governance_funnel", "proposals_reached"),
            note=_("Proposals created {period}, by the furthest stages they reached.").format(period=period.label),
        )
        cohorts = queries.governance_funnel(release, group.group_id, period.start, period.end)
        ui.chart(release, charts.days_in_stage(cohorts), ("governance_funnel", "median_days_in_stage"))

st.header(_("Decisions"))
if ui.available(release, "governance_decisions", _("Decisions per month")):
    decided = queries.group_months(release, "governance_decisions", group.group_id, period.start, period.end)
    if ui.has_rows(decided, _("decision"), group, period):
        ui.chart(
            release,
            charts.decisions(decided),
            ("governance_decisions", "proposals_threshold_met"),
            ("governance_decisions", "proposals_with_blocks"),
            ("governance_decisions", "proposals_with_minority_report"),
        )

st.header(_("Vote turnout"))
if ui.available(release, "governance_turnout", _("Vote turnout")):
    turnout = queries.group_months(release, "governance_turnout", group.group_id, period.start, period.end)
    if ui.has_rows(turnout, _("vote"), group, period):
        before = queries.group_months(
            release, "governance_turnout", group.group_id, *previous_period(period.start, period.end)
        )
        figure = charts.period_trend(
            turnout,
            before,
            "turnout_pct",
            title=_("Vote turnout per month"),
            y_title=_("% of active members"),
            period_months=months_between(period.start, period.end),
            min_count=ui.withheld_below(release, group),
            value_format=format_pct,
        )
        ui.chart(
            release,
            figure,
            ("governance_turnout", "turnout_pct"),
            note=_(
                "Dashed: the previous period on the same months. Gaps: fewer than {count} voters or members."
            ).format(count=K)
            if ui.withheld_below(release, group)
            else _(
                "Dashed: the previous period on the same months. Gaps: withheld, or not exact because a member "
                "below sent no private extract (a ratio of lower bounds would be no figure)."
            ),
        )

st.header(_("Decidim proposals and supports"))
if ui.available(release, "governance_decidim_proposals", _("Decidim proposals")):
    decidim = queries.group_months(release, "governance_decidim_proposals", group.group_id, period.start, period.end)
    if ui.has_rows(decidim, _("Decidim proposal"), group, period):
        ui.chart(
            release,
            charts.decidim_proposals(decidim),
            ("governance_decidim_proposals", "proposals"),
            ("governance_decidim_proposals", "supports"),
        )
        by_state = queries.decidim_by_state(release, group.group_id, period.start, period.end)
        st.dataframe(
            by_state.assign(state=[_(charts.DECIDIM_STATES.get(s, s)) for s in by_state["state"]]).rename(
                columns={"state": _("State"), "proposals": _("Proposals"), "supports": _("Supports")}
            ),
            hide_index=True,
        )

st.header(_("Support points"))
if ui.available(release, "governance_support_points", _("Support points")):
    points = queries.group_months(release, "governance_support_points", group.group_id, period.start, period.end)
    if ui.has_rows(points, _("support-point allocation"), group, period):
        ui.chart(
            release,
            charts.support_points(points, min_count=ui.withheld_below(release, group)),
            ("governance_support_points", "points_allocated"),
        )

st.header(_("Delivery"))
if ui.available(release, "delivery_rates", _("Delivery rates")):
    rates = queries.delivery_rates(release, group.group_id, period.start, period.end)
    totals = queries.delivery_totals(release, group.group_id, period.start, period.end)
    if ui.has_rows(totals, _("approved decision"), group, period):
        total = totals.iloc[0]
        columns = st.columns(4)
        figures = (
            (_("Delivery rate"), format_pct(total["delivery_rate_pct"]), "delivery_rate_pct"),
            (_("On time"), format_pct(total["on_time_rate_pct"]), "on_time_rate_pct"),
        )
        for column, (label, value, field) in zip(columns[:2], figures, strict=True):
            with column:
                ui.headline(label, value, release=release, metric=release.metric("delivery_rates", field))
        if release.has_dataset("delivery_initiatives"):
            # the same initiatives, and the same count, as Initiatives & milestones shows for this filter
            counts = queries.delivery_initiative_counts(release, group.group_id, period.start, period.end, None)
            initiative_views.overdue_figures(release, counts, columns[2:])
        st.caption(
            _("Decisions approved {period}: {delivered} of {approved} delivered, {on_time} on time.").format(
                period=period.label,
                delivered=format_number(int(total["delivered"])),
                approved=format_number(int(total["approved"])),
                on_time=format_number(int(total["on_time"])),
            )
            + " "
            + (initiative_views.population_text(group, period) if release.has_dataset("delivery_initiatives") else "")
        )
        st.page_link(
            PAGES_DIR / "initiatives.py",
            label=_("The initiatives, most urgent first"),
            query_params=i18n.link_params({"show": "overdue_or_stalled"}),
            icon=":material/flag:",
        )
        ui.chart(
            release,
            charts.delivery_rates(rates),
            ("delivery_rates", "delivery_rate_pct"),
            ("delivery_rates", "on_time_rate_pct"),
            ("delivery_rates", "median_days_to_delivery"),
            ("delivery_rates", "initiatives_overdue"),
            ("delivery_rates", "initiatives_stalled"),
        )
