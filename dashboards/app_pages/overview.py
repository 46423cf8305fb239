"""Overview: the headline figures for the chosen group and period, then the charts."""

import streamlit as st

from dashboards import filters, queries, sections, ui
from dashboards.formatting import compact_money, format_count, format_money, is_missing, month_label, shift_month
from dashboards.i18n import N_, _

NET_DEFINITION = N_(
    "Inflow minus outflow over the period, in {currency} (never converted): below zero, the group's"
    " treasuries spent more than they received."
)

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = filters.period_filter(release)

st.title(_("Overview"))
ui.scope_caption(release, group, period, "participation_monthly", "proposals_by_stage", "treasury_monthly")

active, decided, delivery = st.columns(3)
with active:
    metric = release.metric("participation_monthly", "active_members")
    if not release.has_dataset("participation_monthly") or period is None:
        ui.not_in_release(_("Active members"))
    else:
        previous_month = shift_month(period.end, -1)
        rows = queries.participation_monthly(release, group.group_id, previous_month, period.end)
        by_month = {m.strftime("%Y-%m"): row for m, row in zip(rows["month"], rows.itertuples(), strict=True)}
        latest, before = by_month.get(period.end), by_month.get(previous_month)
        value = _("no data")
        if latest:
            value = format_count(latest.active_members, latest.is_suppressed, ui.withheld_below(release, group))
        comparable = all(
            row and not row.is_suppressed and not is_missing(row.active_members) for row in (latest, before)
        )
        ui.headline(
            _("Active members, {month}").format(month=month_label(period.end)),
            value,
            release=release,
            metric=metric,
            delta=int(latest.active_members - before.active_members) if comparable else None,
            delta_description=_("vs {month}").format(month=month_label(previous_month)) if comparable else None,
        )

if release.has_dataset("proposals_by_stage"):
    stages = queries.proposals_by_stage(release, group.group_id).set_index("stage")
    metric = release.metric("proposals_by_stage", "proposals")
    for column, stage, label in (
        (decided, "decided", _("Proposals decided")),
        (delivery, "delivery", _("Proposals in delivery")),
    ):
        cell = stages.loc[stage]
        with column:
            value = format_count(cell["proposals"], cell["is_suppressed"], release.min_count)
            ui.headline(label, value, release=release, metric=metric)
else:
    with decided:
        ui.not_in_release(_("Proposals decided and in delivery"))

if release.has_dataset("treasury_monthly") and period is not None:
    totals = queries.treasury_totals(release, group.group_id, period.start, period.end)
    inflow_metric = release.metric("treasury_monthly", "inflow_minor")
    outflow_metric = release.metric("treasury_monthly", "outflow_minor")
    if totals.empty:
        st.info(
            _("No treasury flows are recorded for {group} in {period}.").format(group=group.name, period=period.label)
        )
    for row in totals.itertuples():
        net_minor = int(row.inflow_minor) - int(row.outflow_minor)
        figures = (
            (_("Inflow"), row.inflow_minor, inflow_metric, None),
            (_("Outflow"), row.outflow_minor, outflow_metric, None),
            (_("Net"), net_minor, None, _(NET_DEFINITION).format(currency=row.currency)),
        )
        for column, (label, amount, metric, definition) in zip(st.columns(3), figures, strict=True):
            with column:
                ui.headline(
                    _("{label} ({currency}), {period}").format(label=label, currency=row.currency, period=period.label),
                    compact_money(amount, row.currency),
                    release=release,
                    metric=metric,
                    exact=format_money(amount, row.currency),
                    definition=definition,
                )
else:
    ui.not_in_release(_("Treasury inflow and outflow"))

st.divider()
sections.participation_trend(release, group, period)
sections.proposals_chart(release, group)
sections.treasury_charts(release, group, period)
