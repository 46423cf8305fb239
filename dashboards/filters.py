"""Sidebar filters kept in the URL query string, so a view can be shared and reopened as it was.

Each filter reads its first value from the query string (`?group=…&from=2025-01&to=2025-06&source=…`),
keeps it in session state across pages, and writes it back to the query string on every run
(page navigation clears the query string; writing it back keeps the address bar shareable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from dashboards import i18n, queries, releases
from dashboards.formatting import month_label
from dashboards.i18n import N_, _

LEVEL_NAMES = {"global": N_("federation"), "national": N_("nation"), "regional": N_("region"), "local": N_("city")}
DEFAULT_PERIOD_MONTHS = 12
ALL_SOURCES = "all"
# An em space survives HTML whitespace collapsing, so the indentation shows in the selectbox.
_INDENT = "\u2003"
_CHOSEN = "chosen_filters"


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    level: str

    @property
    def level_name(self) -> str:
        return _(LEVEL_NAMES.get(self.level, self.level))


@dataclass(frozen=True)
class Period:
    start: str
    end: str

    @property
    def label(self) -> str:
        return f"{month_label(self.start)} – {month_label(self.end)}"


def _shared_selectbox(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    default: str,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
) -> str:
    """A sidebar selectbox whose value comes from, and goes back to, query parameter `param`."""
    key = f"filter_{param}"
    chosen = st.session_state.setdefault(_CHOSEN, {})
    current = st.session_state.get(key)
    if current not in options:
        # Streamlit drops a widget's state on pages that do not show it: fall back to the last choice of
        # this session, else the shared link's value, else the default.
        wanted = chosen.get(param, st.query_params.get(param))
        if wanted is not None and wanted not in options:
            st.sidebar.caption(
                _("“{wanted}” ({param}) is not in this release; showing {default}").format(
                    wanted=wanted, param=param, default=format_func(default)
                )
            )
        current = wanted if wanted in options else default
    # Set on every run: the same key on another page is a new widget, which would otherwise start at
    # its first option.
    st.session_state[key] = current
    value = st.sidebar.selectbox(label, options, key=key, format_func=format_func, help=help)
    chosen[param] = value
    st.query_params[param] = value
    return value


def group_filter(release: releases.Release) -> Group | None:
    """The chosen group at any level (federation → nation → region → city); None without groups."""
    if not release.has_dataset("groups"):
        return None
    tree = queries.groups(release)
    if tree.empty:
        return None
    rows = {row["group_id"]: row for row in tree.to_dict("records")}

    def label(group_id: str) -> str:
        row = rows[group_id]
        return f"{_INDENT * int(row['depth'])}{row['name']} · {_(LEVEL_NAMES.get(row['level'], row['level']))}"

    chosen = _shared_selectbox(
        _("Group"),
        list(rows),
        param="group",
        default=next(iter(rows)),
        format_func=label,
        help=_("Every figure counts this group and every group below it in the hierarchy."),
    )
    row = rows[chosen]
    return Group(group_id=chosen, name=row["name"], level=row["level"])


def period_filter(release: releases.Release) -> Period | None:
    """The chosen start and end month (inclusive); None when the release has no monthly dataset."""
    available = queries.months(release)
    if not available:
        return None
    default_start = available[max(0, len(available) - DEFAULT_PERIOD_MONTHS)]
    start = _shared_selectbox(_("From"), available, param="from", default=default_start, format_func=month_label)
    end = _shared_selectbox(_("To"), available, param="to", default=available[-1], format_func=month_label)
    if start > end:
        st.sidebar.caption(_("The start month was after the end month; the two are swapped."))
        start, end = end, start
    return Period(start=start, end=end)


def source_filter(
    release: releases.Release, datasets: tuple[str, ...] = ("load_audit", "quarantine_reasons")
) -> str | None:
    """The chosen source system among those the datasets name, or None for all sources."""
    options = [ALL_SOURCES, *queries.sources(release, datasets)]
    chosen = _shared_selectbox(
        _("Source"),
        options,
        param="source",
        default=ALL_SOURCES,
        format_func=lambda s: _("All sources") if s == ALL_SOURCES else s,
    )
    return None if chosen == ALL_SOURCES else chosen


INITIATIVE_SHOW_LABELS = {
    "all": N_("All initiatives"),
    "overdue": N_("Overdue only"),
    "stalled": N_("Stalled only"),
    "overdue_or_stalled": N_("Overdue or stalled"),
}


def initiative_filter() -> str:
    """Which initiatives the organizer view lists: all, or only the overdue and/or stalled ones."""
    return _shared_selectbox(
        _("Show"),
        list(queries.INITIATIVE_SHOWS),
        param="show",
        default="all",
        format_func=lambda show: _(INITIATIVE_SHOW_LABELS[show]),
    )


def language_filter() -> str:
    """The dashboard's language (`?lang=`), chosen in the sidebar; sets it for this run."""
    chosen = _shared_selectbox(
        _("Language"), list(i18n.LANGUAGES), param=i18n.PARAM, default=i18n.configured(),
        format_func=i18n.LANGUAGES.__getitem__,
    )  # fmt: skip
    if chosen == i18n.configured():  # the default needs no word in the address
        st.query_params.pop(i18n.PARAM, None)
    return i18n.set_language(chosen)
