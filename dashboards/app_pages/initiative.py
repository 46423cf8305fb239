"""One initiative, for an organizer who acts on it (`/initiative?id=…`, opened from the lists and charts):
its decision and group, status, deadline, days overdue or since the last progress, each milestone with
its dates, its history, and a link to it in the system it came from."""

import streamlit as st

from dashboards import charts, initiative_views, queries, ui
from dashboards.formatting import as_of_day, format_number, is_missing
from dashboards.i18n import _

release, wanted, found = ui.item_page(
    queries.initiative,
    _("Initiative"),
    lambda wanted, release_id: _("This release ({release}) has no initiative “{id}”.").format(
        release=release_id, id=wanted
    ),
    _("No initiative was chosen. Choose one from Initiatives & milestones."),
)

row = next(found.itertuples())
label = charts.initiative_labels(found)[0]
as_of = as_of_day(release.data_as_of)
st.title(_("Initiative {label}").format(label=label))
st.caption(
    f"`{row.initiative_id}` · "
    + _("release `{id}`").format(id=release.id)
    + f" · {ui.data_as_of_text(release, ['delivery_initiatives'])}"
)

state = _(charts.initiative_state(row))
if row.is_overdue:
    figure, value, field = _("Days overdue"), format_number(int(row.days_overdue)), "days_overdue"
elif is_missing(row.delivered_on):
    figure, value, field = (
        _("Days since last progress"),
        format_number(int(row.days_since_progress)),
        "days_since_progress",
    )
else:
    figure, value, field = _("Delivered on"), charts.day_text(row.delivered_on), None
cells = st.columns(3)
with cells[0]:
    st.metric(_("State"), state, border=True)
    st.caption(charts.urgency_text(row))
with cells[1]:
    metric = release.metric("delivery_initiatives", field) if field else None
    if metric:
        ui.headline(figure, value, release=release, metric=metric)
    else:
        st.metric(figure, value, border=True)
with cells[2]:
    done = _("{done} of {total}").format(done=int(row.milestones_done), total=int(row.milestones_total))
    st.metric(_("Milestones done"), done, border=True)
    st.caption(_("Next due {day}").format(day=charts.day_text(row.next_milestone_due) or "—"))

facts = {
    _("Group"): row.group,
    _("Source"): initiative_views.SOURCE_NAMES.get(row.source, row.source),
    _("Status (as the source records it)"): str(row.status).replace("_", " "),
    _("Decided"): charts.day_text(row.decided_on) or "—",
    _("Deadline"): charts.day_text(row.deadline) or _("none"),
    _("Delivered"): charts.day_text(row.delivered_on) or _("not yet"),
    _("Last progress"): charts.day_text(row.last_progress_on) or "—",
}
st.markdown("\n".join(f"- **{name}:** {text}" for name, text in facts.items()))
initiative_views.decision_link(row.proposal_id)
initiative_views.source_link(row)

milestones = (
    queries.delivery_milestones(release, [row.initiative_id])
    if release.has_dataset("delivery_milestones")
    else queries.no_milestones()
)
st.header(_("Milestones"))
if milestones.empty:
    st.info(_("No milestone is recorded for this initiative."), icon=":material/search_off:")
else:
    st.dataframe(
        {
            _("Milestone"): [f"{n}" for n in range(1, len(milestones) + 1)],
            _("Due"): [charts.day_text(v) for v in milestones["target_date"]],
            _("Done"): [charts.day_text(v) or _("open") for v in milestones["completed_on"]],
            _("Late"): milestones["is_late"].fillna(False).astype(bool),
        },
        hide_index=True,
    )
    ui.chart(
        release,
        charts.milestone_gantt(found, milestones, as_of=as_of),
        ("delivery_initiatives", "is_overdue"),
        ("delivery_milestones", "is_late"),
    )

st.header(_("History"))
history = charts.initiative_history(row, milestones, as_of)
st.markdown("\n".join(f"- **{day}** · {event}" for day, event in zip(history["day"], history["event"], strict=True)))
st.caption(_("From the dates the release publishes: no names, no free text."))
