"""One decision (`/decision?id=<proposal id>`, opened from an initiative): when it was taken, by which
group, and every initiative carrying it out, most urgent first, each opening its own page."""

import streamlit as st

from dashboards import charts, initiative_views, queries, ui
from dashboards.i18n import _

release, wanted, found = ui.item_page(
    queries.decision_initiatives,
    _("Decision"),
    lambda wanted, release_id: _("No initiative of this release ({release}) carries out decision “{id}”.").format(
        release=release_id, id=wanted
    ),
    _("No decision was chosen. Open one from an initiative's page."),
)

st.title(_("Decision {id}").format(id=wanted))
st.caption(_("release `{id}`").format(id=release.id) + f" · {ui.data_as_of_text(release, ['delivery_initiatives'])}")
decided = sorted({charts.day_text(v) for v in found["decided_on"]} - {""})
cells = st.columns(4)
with cells[0]:
    st.metric(_("Decided"), decided[0] if decided else "—", border=True)
    st.caption(", ".join(sorted(set(found["group"].dropna()))))
with cells[1]:
    delivered = _("{done} of {total}").format(done=int(found["delivered_on"].notna().sum()), total=len(found))
    st.metric(_("Initiatives delivered"), delivered, border=True)
    st.caption(_("The decision is delivered once all its initiatives are."))
initiative_views.overdue_figures(
    release, {"overdue": int(found["is_overdue"].sum()), "stalled": int(found["is_stalled"].sum())}, cells[2:]
)

if release.has_dataset("governance_decision_history"):
    for record in queries.decision_record(release, wanted).itertuples():
        initiative_views.source_link(record)  # the proposal where it was decided

st.header(_("Its initiatives"))
for row, label in zip(found.itertuples(), charts.initiative_labels(found), strict=True):
    initiative_views.initiative_link(row, label)
st.caption(_("Each initiative's page links to it in the system it came from."))
