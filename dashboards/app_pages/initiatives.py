"""Initiatives & milestones, for organizers: every initiative carrying out a decision, most urgent first,
a page at a time or found by search, each opening its own page; which are overdue or stalled as of the
latest day the data covers."""

import math

import streamlit as st

from dashboards import charts, filters, initiative_views, queries, ui
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
    f"in {period.label}, most urgent first. Open one for its milestones, history and its page where it came from."
)

LISTED = {"all": "initiatives", "overdue": "overdue", "stalled": "stalled", "overdue_or_stalled": "overdue or stalled"}
PER_PAGE = 20  # a page of the list (and of its chart) stays readable on a phone

if ui.available(release, "delivery_initiatives", "Initiatives"):
    counts = queries.delivery_initiative_counts(release, group.group_id, period.start, period.end, source)
    if ui.has_rows(counts["all"], "initiative", group, period):
        columns = st.columns(4)
        for column, (label, key, text) in zip(
            columns[:2],
            (
                ("Initiatives", "all", "Initiatives under way in the period (below)."),
                ("Delivered", "delivered", "Of those, the ones delivered (by the latest day the data covers)."),
            ),
            strict=True,
        ):
            with column:
                st.metric(label, f"{counts[key]:,}", border=True)
                st.caption(text)
        initiative_views.overdue_figures(release, counts, columns[2:])
        st.caption(initiative_views.population_text(group, period, source))

        search = st.text_input(
            "Find an initiative",
            value=st.query_params.get("q", ""),
            placeholder="id, decision, status or group name",
            key="initiative_search",
        )
        if search:
            st.query_params["q"] = search
        else:
            st.query_params.pop("q", None)
        found = queries.delivery_initiatives(
            release, group.group_id, period.start, period.end, source, show, search=search, limit=1
        )
        total = int(found["matches"].iloc[0]) if len(found) else 0
        pages = max(1, math.ceil(total / PER_PAGE))
        wanted = st.query_params.get("page", "1")
        number = st.selectbox(
            "Page",
            range(1, pages + 1),
            index=min(pages, max(1, int(wanted) if wanted.isdigit() else 1)) - 1,
            format_func=lambda p: f"{p} of {pages}",
            key=f"initiative_page_{show}_{search}",  # a new search or filter starts at page 1
        )
        st.query_params["page"] = str(number)
        shown = queries.delivery_initiatives(
            release,
            group.group_id,
            period.start,
            period.end,
            source,
            show,
            search=search,
            limit=PER_PAGE,
            offset=(number - 1) * PER_PAGE,
        )
        if shown.empty:
            what = filters.INITIATIVE_SHOW_LABELS[show].lower().replace(" only", "")
            st.success(f"No initiative matches “{search}”." if search else f"No initiative is {what}.")
        else:
            first = (number - 1) * PER_PAGE + 1
            st.caption(
                f"{first:,}–{first + len(shown) - 1:,} of {total:,} {LISTED[show]}"
                + (f" matching “{search}”" if search else "")
                + ", most urgent first: overdue (longest first), then stalled (longest without progress), then by "
                "deadline."
            )
            for row, label in zip(shown.itertuples(), charts.initiative_labels(shown), strict=True):
                initiative_views.initiative_link(row, label)
            if release.has_dataset("delivery_milestones"):
                milestones = queries.delivery_milestones(release, list(shown["initiative_id"]))
            else:
                ui.not_in_release("Milestones")
                milestones = queries.no_milestones()
            ui.chart(
                release,
                charts.milestone_gantt(shown, milestones, as_of=as_of_day(release.data_as_of)),
                ("delivery_initiatives", "is_overdue"),
                ("delivery_initiatives", "days_overdue"),
                ("delivery_initiatives", "is_stalled"),
                ("delivery_initiatives", "days_since_progress"),
                ("delivery_milestones", "is_late"),
                note="This page of the list; a row's label opens the initiative.",
            )
            st.header("Organizer table")
            st.dataframe(
                charts.initiative_table(shown),
                hide_index=True,
                column_config={"Page": st.column_config.LinkColumn("Page", display_text="Open")},
            )
