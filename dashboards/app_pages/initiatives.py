"""Initiatives & milestones, for organizers: every initiative carrying out a decision, its milestones,
and which are overdue or stalled as of the latest day the data covers."""

import streamlit as st

from dashboards import charts, filters, queries, ui
from dashboards.formatting import as_of_day

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
source = filters.source_filter(release, ("delivery_initiatives",))
show = filters.initiative_filter()

st.title("Initiatives & milestones")
ui.scope_caption(release, group, period, "delivery_initiatives", "delivery_milestones")
st.markdown(
    "How decisions turn into work: the initiatives of this group and the groups below it that were under way "
    f"in {period.label} (decided by its end, not delivered before its start)."
)

SHOWN_AT_MOST = 200  # a federation has thousands: the chart and table show the most urgent first

if ui.available(release, "delivery_initiatives", "Initiatives"):
    counts = queries.delivery_initiative_counts(release, group.group_id, period.start, period.end, source)
    if ui.has_rows(counts["all"], "initiative", group, period):
        figures = (
            ("Initiatives", counts["all"], None),
            ("Delivered", counts["delivered"], None),
            ("Overdue", counts["overdue"], "is_overdue"),
            ("Stalled", counts["stalled"], "is_stalled"),
        )
        for column, (label, value, field) in zip(st.columns(4), figures, strict=True):
            with column:
                metric = release.metric("delivery_initiatives", field) if field else None
                ui.headline(label, f"{value:,}", release=release, metric=metric)
        st.caption(
            f"Counted over initiatives: those of {group.name} and the groups below it under way in {period.label} "
            "(decided by its end, not delivered before its start)"
            + (f", from {source} only" if source else "")
            + ", overdue or stalled as of the latest day the data covers. Decisions & delivery counts the "
            "initiatives of the decisions approved in the period instead."
        )

        shown = queries.delivery_initiatives(
            release, group.group_id, period.start, period.end, source, show, limit=SHOWN_AT_MOST
        )
        if shown.empty:
            st.success(f"No initiative is {filters.INITIATIVE_SHOW_LABELS[show].lower().replace(' only', '')}.")
        else:
            if counts[show] > len(shown):
                st.caption(
                    f"Showing the {len(shown):,} most urgent of {counts[show]:,} (overdue and stalled first, then "
                    "by deadline): choose a group lower in the hierarchy to see the others."
                )
            if release.has_dataset("delivery_milestones"):
                milestones = queries.delivery_milestones(release, list(shown["initiative_id"]))
            else:
                ui.not_in_release("Milestones")
                milestones = queries.no_milestones()
            ui.chart(
                release,
                charts.milestone_gantt(shown, milestones, as_of=as_of_day(release.data_as_of)),
                ("delivery_initiatives", "is_overdue"),
                ("delivery_initiatives", "is_stalled"),
                ("delivery_milestones", "is_late"),
            )
            st.subheader("Organizer table")
            st.dataframe(
                charts.initiative_table(shown, as_of=as_of_day(release.data_as_of)),
                hide_index=True,
                column_config={
                    "Overdue": st.column_config.CheckboxColumn(),
                    "Stalled": st.column_config.CheckboxColumn(),
                },
            )
