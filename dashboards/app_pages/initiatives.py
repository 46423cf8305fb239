"""Initiatives & milestones, for organizers: every initiative carrying out a decision, most urgent first,
a page at a time or found by search, each opening its own page; which are overdue or stalled as of the
latest day the data covers."""

import math

import streamlit as st

from dashboards import charts, filters, initiative_views, queries, ui
from dashboards.formatting import as_of_day, format_number
from dashboards.i18n import N_, _, pgettext

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
source = filters.source_filter(release, ("delivery_initiatives",))
show = filters.initiative_filter()

st.title(_("Initiatives & milestones"))
ui.scope_caption(release, group, period, "delivery_initiatives", "delivery_milestones")
st.markdown(
    _(
        "How decisions turn into work: the initiatives of this group and the groups below it that were under way "
        "in {period}, most urgent first. Open one for its milestones, history and its page where it came from."
    ).format(period=period.label)
)

LISTED = {
    "all": N_("initiatives"), "overdue": N_("overdue"), "stalled": N_("stalled"),
    "overdue_or_stalled": N_("overdue or stalled"),
}  # fmt: skip
NONE_LISTED = {
    "all": N_("No initiative is listed."), "overdue": N_("No initiative is overdue."),
    "stalled": N_("No initiative is stalled."), "overdue_or_stalled": N_("No initiative is overdue or stalled."),
}  # fmt: skip
PER_PAGE = 20  # a page of the list (and of its chart) stays readable on a phone

if ui.available(release, "delivery_initiatives", _("Initiatives")):
    counts = queries.delivery_initiative_counts(release, group.group_id, period.start, period.end, source)
    if ui.has_rows(counts["all"], _("initiative"), group, period):
        columns = st.columns(4)
        for column, (label, key, text) in zip(
            columns[:2],
            (
                (_("Initiatives"), "all", _("Initiatives under way in the period (below).")),
                (
                    pgettext("count", "Delivered"),
                    "delivered",
                    _("Of those, the ones delivered (by the latest day the data covers)."),
                ),
            ),
            strict=True,
        ):
            with column:
                st.metric(label, format_number(counts[key]), border=True)
                st.caption(text)
        initiative_views.overdue_figures(release, counts, columns[2:])
        st.caption(initiative_views.population_text(group, period, source))

        search = st.text_input(
            _("Find an initiative"),
            value=st.query_params.get("q", ""),
            placeholder=_("id, decision, status or group name"),
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
            _("Page"),
            range(1, pages + 1),
            index=min(pages, max(1, int(wanted) if wanted.isdigit() else 1)) - 1,
            format_func=lambda p: _("{done} of {total}").format(done=p, total=pages),
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
            st.success(_("No initiative matches “{search}”.").format(search=search) if search else _(NONE_LISTED[show]))
        else:
            first = (number - 1) * PER_PAGE + 1
            st.caption(
                _("{first}–{last} of {total} {what}").format(
                    first=format_number(first),
                    last=format_number(first + len(shown) - 1),
                    total=format_number(total),
                    what=_(LISTED[show]),
                )
                + (_(" matching “{search}”").format(search=search) if search else "")
                + _(
                    ", most urgent first: overdue (longest first), then stalled (longest without progress), then by "
                    "deadline."
                )
            )
            for row, label in zip(shown.itertuples(), charts.initiative_labels(shown), strict=True):
                initiative_views.initiative_link(row, label)
            if release.has_dataset("delivery_milestones"):
                milestones = queries.delivery_milestones(release, list(shown["initiative_id"]))
            else:
                ui.not_in_release(_("Milestones"))
                milestones = queries.no_milestones()
            ui.chart(
                release,
                charts.milestone_gantt(shown, milestones, as_of=as_of_day(release.data_as_of)),
                ("delivery_initiatives", "is_overdue"),
                ("delivery_initiatives", "days_overdue"),
                ("delivery_initiatives", "is_stalled"),
                ("delivery_initiatives", "days_since_progress"),
                ("delivery_milestones", "is_late"),
                note=_("This page of the list; a row's label opens the initiative."),
            )
            st.header(_("Organizer table"))
            st.dataframe(
                charts.initiative_table(shown),
                hide_index=True,
                column_config={charts.PAGE_COLUMN: st.column_config.LinkColumn(_("Page"), display_text=_("Open"))},
            )
