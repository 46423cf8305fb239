"""One initiative, for an organizer who acts on it (`/initiative?id=…`, opened from the lists and charts):
its decision and group, status, deadline, days overdue or since the last progress, each milestone with
its dates, its history, and a link to it in the system it came from."""

import streamlit as st

from dashboards import charts, initiative_views, queries, ui
from dashboards.formatting import as_of_day, is_missing
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
st.title(f"Initiative {label}")
st.caption(f"`{row.initiative_id}` · release `{release.id}` · {ui.data_as_of_text(release, ['delivery_initiatives'])}")

state = charts.initiative_state(row)
if row.is_overdue:
    figure, value, field = "Days overdue", f"{int(row.days_overdue):,}", "days_overdue"
elif is_missing(row.delivered_on):
    figure, value, field = "Days since last progress", f"{int(row.days_since_progress):,}", "days_since_progress"
else:
    figure, value, field = "Delivered on", charts.day_text(row.delivered_on), None
cells = st.columns(3)
with cells[0]:
    st.metric("State", state, border=True)
    st.caption(charts.urgency_text(row))
with cells[1]:
    metric = release.metric("delivery_initiatives", field) if field else None
    if metric:
        ui.headline(figure, value, release=release, metric=metric)
    else:
        st.metric(figure, value, border=True)
with cells[2]:
    st.metric("Milestones done", f"{int(row.milestones_done)} of {int(row.milestones_total)}", border=True)
    st.caption(f"Next due {charts.day_text(row.next_milestone_due) or '—'}")

facts = {
    "Group": row.group,
    "Source": initiative_views.SOURCE_NAMES.get(row.source, row.source),
    "Status (as the source records it)": str(row.status).replace("_", " "),
    "Decided": charts.day_text(row.decided_on) or "—",
    "Deadline": charts.day_text(row.deadline) or "none",
    "Delivered": charts.day_text(row.delivered_on) or "not yet",
    "Last progress": charts.day_text(row.last_progress_on) or "—",
}
st.markdown("\n".join(f"- **{name}:** {text}" for name, text in facts.items()))
initiative_views.decision_link(row.proposal_id)
initiative_views.source_link(row)

milestones = (
    queries.delivery_milestones(release, [row.initiative_id])
    if release.has_dataset("delivery_milestones")
    else queries.no_milestones()
)
st.header("Milestones")
if milestones.empty:
    st.info("No milestone is recorded for this initiative.", icon=":material/search_off:")
else:
    st.dataframe(
        {
            "Milestone": [f"{n}" for n in range(1, len(milestones) + 1)],
            "Due": [charts.day_text(v) for v in milestones["target_date"]],
            "Done": [charts.day_text(v) or "open" for v in milestones["completed_on"]],
            "Late": milestones["is_late"].fillna(False).astype(bool),
        },
        hide_index=True,
    )
    ui.chart(
        release,
        charts.milestone_gantt(found, milestones, as_of=as_of),
        ("delivery_initiatives", "is_overdue"),
        ("delivery_milestones", "is_late"),
    )

st.header("History")
history = charts.initiative_history(row, milestones, as_of)
st.markdown("\n".join(f"- **{day}** · {event}" for day, event in zip(history["Day"], history["Event"], strict=True)))
st.caption("From the dates the release publishes: no names, no free text.")
