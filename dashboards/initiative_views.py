"""What the pages that show initiatives share: the one population every overdue/stalled count is over
(said beside each count), the Overdue and Stalled figures, links to an initiative's or a decision's page
and to the item in the system it came from."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboards import charts, i18n, releases, ui
from dashboards.filters import Group, Period
from dashboards.formatting import format_number, is_missing
from dashboards.i18n import _
from dashboards.navigation import PAGES_DIR

INITIATIVE_PAGE = PAGES_DIR / "initiative.py"
DECISION_PAGE = PAGES_DIR / "decision.py"
SOURCE_NAMES = {"togetheros": "TogetherOS", "decidim": "Decidim"}


def population_text(group: Group, period: Period, source: str | None = None) -> str:
    """The initiatives the counts are over, in words (queries._INITIATIVES_UNDER_WAY)."""
    only = _(", from {source} only").format(source=SOURCE_NAMES.get(source, source)) if source else ""
    return _(
        "Counted over the initiatives of {group} and the groups below it under way in {period} "
        "(decided by its end, not delivered before its start){only}; overdue and stalled as of the latest "
        "day the data covers. Decisions & delivery and Initiatives & milestones count the same initiatives."
    ).format(group=group.name, period=period.label, only=only)


def overdue_figures(release: releases.Release, counts: dict[str, int], columns: list[Any]) -> None:
    """The Overdue and Stalled headline figures (from queries.delivery_initiative_counts), in two columns."""
    for column, (label, key, field) in zip(
        columns, ((_("Overdue now"), "overdue", "is_overdue"), (_("Stalled now"), "stalled", "is_stalled")), strict=True
    ):
        with column:
            metric = release.metric("delivery_initiatives", field)
            ui.headline(label, format_number(counts[key]), release=release, metric=metric)


def initiative_link(row: Any, label: str) -> None:
    """A link to the initiative's page and, under it in the same box, how urgent it is."""
    with st.container(border=True, gap="small"):
        _initiative_link(row, label)


def _initiative_link(row: Any, label: str) -> None:
    st.page_link(
        INITIATIVE_PAGE,
        label=f"**{label}**",
        query_params=i18n.link_params({"id": row.initiative_id}),
        icon=":material/warning:" if row.is_overdue or row.is_stalled else ":material/flag:",
    )
    # on its own line: a link's label does not wrap, and a phone would cut it
    st.caption(charts.urgency_text(row))


def decision_link(proposal_id: Any) -> None:
    if not is_missing(proposal_id):
        st.page_link(
            DECISION_PAGE,
            label=_("Decision {id}").format(id=proposal_id),
            query_params=i18n.link_params({"id": proposal_id}),
            icon=":material/gavel:",
        )


def source_link(row: Any) -> None:
    """The item in the system it came from, or why there is no link."""
    name = SOURCE_NAMES.get(row.source, row.source)
    if is_missing(row.source_url):
        if row.source == "togetheros":
            why = _(
                "No link to {name}: this release carries no address for it"
                " (TOGETHEROS_URL was not set when it was built)."
            )
        else:
            why = _(
                "No link to {name}: this release carries no address for it"
                " (the export gave no address when it was built)."
            )
        st.caption(why.format(name=name))
    else:
        st.link_button(_("Open in {name}").format(name=name), row.source_url, icon=":material/open_in_new:")
