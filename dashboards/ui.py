"""Streamlit building blocks every page shares: the release gate, headline figures, plain notices."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import i18n, queries, releases
from dashboards.charts.common import PLOTLY_CONFIG, summary
from dashboards.filters import Group, Period
from dashboards.formatting import as_of_day, day_text
from dashboards.i18n import N_, _
from dashboards.navigation import PAGES_DIR
from pipelines.settings import DEFAULT_STALE_AFTER_DAYS, STALE_AFTER_ENV


def require_release() -> releases.Release:
    """The latest release, or a friendly page (and the end of this run) when there is none."""
    try:
        release = releases.latest_release()
    except releases.ReleaseUnavailable as error:
        st.title(_("The latest release cannot be read"))
        st.error(str(error))
        st.markdown(_("Rebuild it with `make run`, or point `TOGETHEROS_RELEASES_DIR` at a complete release."))
        st.stop()
    if release is None:
        st.title(_("No release yet"))
        st.info(
            _(
                "No data release has been published yet: run `make run` to build the first one. "
                "The dashboard looks for `{path}`."
            ).format(path=releases.releases_dir() / "latest")
        )
        st.stop()
    return release


def item_page(
    find: Callable[[releases.Release, str], pd.DataFrame],
    kind: str,
    not_found: Callable[[str, str], str],
    no_choice: str,
) -> tuple[releases.Release, str, pd.DataFrame]:
    """The start of a page of one item (`?id=…`): the release, the id asked for and the rows `find` gives
    for it; a link back to the list; and, when there is nothing to show, a plain page (and the end of
    this run). `kind` is the page's heading, `not_found(id, release id)` and `no_choice` what it says."""
    release = require_release()
    wanted = st.query_params.get("id", "")
    st.page_link(
        PAGES_DIR / "initiatives.py",
        label=_("All initiatives"),
        query_params=i18n.link_params({}),
        icon=":material/arrow_back:",
    )
    if not available(release, "delivery_initiatives", _("Initiatives")):
        st.title(kind)
        st.stop()
    found = find(release, wanted) if wanted else None
    if found is None or found.empty:
        st.title(_("{kind} not found").format(kind=kind))
        st.warning(not_found(wanted, release.id) if wanted else no_choice)
        st.stop()
    return release, wanted, found


def withheld_below(release: releases.Release, group: Group) -> int | None:
    """The count a withheld figure of the group is known to be below (the release's minimum count), or None
    for a hub's own group, where withheld only means withheld (`formatting.withheld_text`). A member's
    groups at the hub read as the member published them."""
    from pipelines.federation.rollup import MEMBER_SEPARATOR

    at_hub = release.has_dataset("federation_members") and MEMBER_SEPARATOR not in group.group_id
    return None if at_hub else release.min_count


def not_in_release(what: str) -> None:
    st.info(_("{what} is not in this release yet.").format(what=what), icon=":material/hourglass_empty:")


def metric_help(metric: releases.Metric | None) -> str | None:
    """The tooltip text of a figure: its published definition, formula and caveats."""
    if metric is None:
        return None
    parts = [metric.definition]
    if metric.formula:
        parts.append(_("Formula: {formula}").format(formula=metric.formula))
    if metric.caveats:
        parts.append(_("Caveats: {caveats}").format(caveats=metric.caveats))
    return "\n\n".join(parts)


def headline(
    label: str,
    value: str,
    *,
    release: releases.Release,
    metric: releases.Metric | None,
    delta: int | str | None = None,
    delta_description: str | None = None,
    exact: str | None = None,
    definition: str | None = None,
) -> None:
    """One headline figure with its definition (tooltip and caption); the page says once how recent
    its data is (`scope_caption`). `value` is short enough for a phone's box (`compact_money`), `exact`
    the full figure in the tooltip; `definition` is for a figure derived here from published ones."""
    text = definition or (
        metric.definition if metric else _("{label}, as published in this release.").format(label=label)
    )
    help_text = metric_help(metric) if metric and not definition else text
    if exact and exact != value:
        help_text = _("Exact: {exact}").format(exact=exact) + f"\n\n{help_text}"
    st.metric(label, value, delta=delta, help=help_text, delta_description=delta_description, border=True)
    st.caption(text)
    provenance(release)


# what a dataset is about, in a reader's words, by its name
AREAS = (
    ("participation_", N_("participation")),
    ("governance_", N_("decisions")),
    ("proposals_by_stage", N_("decisions")),
    ("delivery_", N_("delivery")),
    ("treasury_", N_("treasury")),
    ("local_value", N_("local value")),
    ("timebank_", N_("time bank")),
)


def area_of(dataset: str) -> str:
    return next((_(area) for prefix, area in AREAS if dataset.startswith(prefix)), dataset)


def data_as_of_text(release: releases.Release, datasets: list[str]) -> str:
    """ "Data as of …" for the datasets a page draws on, once: one date when they agree, else each date
    with the areas whose data ends there (latest first)."""
    by_date: dict[str, list[str]] = {}
    for name in datasets:
        if release.has_dataset(name):
            areas = by_date.setdefault(release.dataset_as_of(name) or _("unknown"), [])
            if area_of(name) not in areas:
                areas.append(area_of(name))
    if len(by_date) <= 1:
        day = day_label(next(iter(by_date), release.data_as_of or _("unknown")))
    else:
        day = "; ".join(f"{day_label(d)} ({', '.join(areas)})" for d, areas in sorted(by_date.items(), reverse=True))
    return _("Data as of {day}").format(day=day)


def day_label(timestamp: str) -> str:
    """'2025-06-30T23:59:59Z' -> '30 Jun 2025' in the current language (the exact timestamp is in the
    release's descriptor)."""
    day = as_of_day(timestamp)
    return day_text(day) if day else timestamp


def scope_caption(release: releases.Release, group: Group, period: Period | None, *datasets: str) -> None:
    """The page's scope and, once per page, how recent the data of the datasets it draws on is
    (`datasets`: names or name prefixes), with a notice when that data is old."""
    period_text = f" · {period.label}" if period else ""
    drawn = release.datasets(*datasets) if datasets else []
    st.caption(
        f"**{group.name}** ({group.level_name}){period_text} · "
        + _("release `{id}`").format(id=release.id)
        + f" · {data_as_of_text(release, drawn)}"
    )
    notice = freshness_notice(release, drawn, date.today(), stale_after_days())
    if notice:
        st.warning(notice, icon=":material/schedule:")


RELEASE_LAG_DAYS = 7  # a release built within a week of its data's end is on time, not worth a word


def stale_after_days() -> int:
    """Age in days past which a page warns that its data is old (TOGETHEROS_STALE_AFTER_DAYS)."""
    text = os.environ.get(STALE_AFTER_ENV) or str(DEFAULT_STALE_AFTER_DAYS)
    if not text.isdigit():
        raise ValueError(f"{STALE_AFTER_ENV}={text!r}: the age of stale data is a whole number of days")
    return int(text)


def freshness_notice(release: releases.Release, datasets: list[str], today: date, stale_after: int) -> str:
    """What a visitor must know about the age of the page's data: that its oldest dataset ends more than
    `stale_after` days ago, and that the release was built well after its data end; "" when neither."""
    days = [as_of_day(release.dataset_as_of(name)) for name in datasets if release.has_dataset(name)]
    known = [d for d in days if d] or [d for d in (as_of_day(release.data_as_of),) if d]
    if not known:
        return ""
    oldest = min(known)
    parts = []
    age = (today - oldest).days
    if age > stale_after:
        parts.append(
            _(
                "This page's data ends on {day}, {age} days ago (older than {limit} days): "
                "what happened since is not shown."
            ).format(day=day_text(oldest), age=age, limit=stale_after)
        )
    built = as_of_day(release.created)
    if built and (built - oldest).days > RELEASE_LAG_DAYS:
        parts.append(
            _("The release was built on {day}, {days} days after this data ends.").format(
                day=day_text(built), days=(built - oldest).days
            )
        )
    return " ".join(parts)


def available(release: releases.Release, dataset: str, what: str) -> bool:
    """True when the release holds the dataset; otherwise says "… is not in this release yet"."""
    if release.has_dataset(dataset):
        return True
    not_in_release(what)
    return False


def has_rows(found: pd.DataFrame | int, what: str, group: Group, period: Period | None = None) -> bool:
    """True when the query found rows (a frame, or a count of them); otherwise says plainly that nothing
    is recorded (never a 0)."""
    if (found if isinstance(found, int) else len(found)) > 0:
        return True
    if period:
        text = _("No {what} is recorded for {group} in {period}.").format(
            what=what, group=group.name, period=period.label
        )
    else:
        text = _("No {what} is recorded for {group}.").format(what=what, group=group.name)
    st.info(text, icon=":material/search_off:")
    return False


def definitions(release: releases.Release, *fields: tuple[str, str], full: bool = False) -> None:
    """What a figure shows: each metric's label and published definition (the data-as-of is said once
    per page, by `scope_caption`).

    Formula and caveats follow in a fold (or in full when `full`, for figures that rest on assumptions).
    """
    found = [m for m in (release.metric(resource, name) for resource, name in fields) if m]
    lines = [f"**{m.label}**: {m.definition}" for m in found] or [_("No published definition in this release.")]
    st.caption("  \n".join(lines))
    provenance(release)
    details = [
        f"**{m.label}**  \n"
        + _("Formula: {formula}").format(formula=f"`{m.formula}`")
        + ("  \n" + _("Caveats: {caveats}").format(caveats=m.caveats) if m.caveats else "")
        for m in found
        if m.formula or m.caveats
    ]
    if details and full:
        st.markdown("\n\n".join(details))
    elif details:
        with st.expander(_("How it is counted")):
            st.markdown("\n\n".join(details))


def plot(figure: go.Figure) -> None:
    """A figure at the container's width, its toolbar hidden, and its text summary beneath it (what a
    screen reader announces in place of the drawing)."""
    st.plotly_chart(figure, config=PLOTLY_CONFIG, width="stretch")
    st.caption(_("Chart summary: {summary}").format(summary=summary(figure)))


def chart(release: releases.Release, figure: go.Figure, *fields: tuple[str, str], note: str = "") -> None:
    """A figure with its summary, then its definitions beneath it."""
    plot(figure)
    if note:
        st.caption(note)
    definitions(release, *fields)


def require_period(period: Period | None) -> Period:
    if period is None:
        not_in_release(_("Monthly data"))
        st.stop()
    return period


_PAGE_GROUP = "page_group_id"  # the group this run of the page shows (for `provenance`)


def require_group(group: Group | None) -> Group:
    if group is None:
        not_in_release(_("The group hierarchy"))
        st.stop()
    st.session_state[_PAGE_GROUP] = group.group_id
    return group


def provenance(release: releases.Release) -> None:
    """On a hub, under a figure: the member releases it comes from, and how recent each one's data is."""
    group_id = st.session_state.get(_PAGE_GROUP)
    if group_id is None or not release.has_dataset("federation_members"):
        return
    rows = queries.member_releases(release, group_id)
    if rows.empty:
        return
    cited = [
        _("{member} release {release} (data to {day})").format(
            member=row.member, release=f"`{row.release_id}`", day=day_label(row.data_as_of or "")
        )
        for row in rows.itertuples()
    ]
    st.caption(_("From {releases}.").format(releases=", ".join(cited)))
