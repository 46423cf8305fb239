"""Streamlit building blocks every page shares: the release gate, headline figures, plain notices."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import releases
from dashboards.filters import Group, Period


def require_release() -> releases.Release:
    """The latest release, or a friendly page (and the end of this run) when there is none."""
    try:
        release = releases.latest_release()
    except releases.ReleaseUnavailable as error:
        st.title("The latest release cannot be read")
        st.error(str(error))
        st.markdown("Rebuild it with `make run`, or point `TOGETHEROS_RELEASES_DIR` at a complete release.")
        st.stop()
    if release is None:
        st.title("No release yet")
        st.info(
            "No data release has been published yet: run `make run` to build the first one. "
            f"The dashboard looks for `{releases.releases_dir() / 'latest'}`."
        )
        st.stop()
    return release


def not_in_release(what: str) -> None:
    st.info(f"{what} is not in this release yet.", icon=":material/hourglass_empty:")


def metric_help(metric: releases.Metric | None) -> str | None:
    """The tooltip text of a figure: its published definition, formula and caveats."""
    if metric is None:
        return None
    parts = [metric.definition]
    if metric.formula:
        parts.append(f"Formula: {metric.formula}")
    if metric.caveats:
        parts.append(f"Caveats: {metric.caveats}")
    return "\n\n".join(parts)


def headline(
    label: str,
    value: str,
    *,
    release: releases.Release,
    metric: releases.Metric | None,
    delta: int | str | None = None,
    delta_description: str | None = None,
) -> None:
    """One headline figure with its definition (tooltip and caption) and the release's data-as-of."""
    help_text = metric_help(metric)
    st.metric(label, value, delta=delta, help=help_text, delta_description=delta_description, border=True)
    definition = metric.definition if metric else "No published definition in this release."
    st.caption(f"{definition} Data as of {release.data_as_of or 'unknown'}.")


def scope_caption(release: releases.Release, group: Group, period: Period | None) -> None:
    period_text = f" · {period.label}" if period else ""
    st.caption(
        f"**{group.name}** ({group.level_name}){period_text} · release `{release.id}` · "
        f"data as of {release.data_as_of or 'unknown'}"
    )


CHART_CONFIG = {"displaylogo": False, "responsive": True}


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
    when = f" in {period.label}" if period else ""
    st.info(f"No {what} is recorded for {group.name}{when}.", icon=":material/search_off:")
    return False


def definitions(release: releases.Release, *fields: tuple[str, str], full: bool = False) -> None:
    """What a figure shows: each metric's label and published definition, then the data-as-of day.

    Formula and caveats follow in a fold (or in full when `full`, for figures that rest on assumptions).
    """
    found = [m for m in (release.metric(resource, name) for resource, name in fields) if m]
    lines = [f"**{m.label}**: {m.definition}" for m in found] or ["No published definition in this release."]
    st.caption("  \n".join([*lines, f"Data as of {release.data_as_of or 'unknown'}."]))
    details = [
        f"**{m.label}**  \nFormula: `{m.formula}`" + (f"  \nCaveats: {m.caveats}" if m.caveats else "")
        for m in found
        if m.formula or m.caveats
    ]
    if details and full:
        st.markdown("\n\n".join(details))
    elif details:
        with st.expander("How it is counted"):
            st.markdown("\n\n".join(details))


def chart(release: releases.Release, figure: go.Figure, *fields: tuple[str, str], note: str = "") -> None:
    """A figure at the container's width, with its definitions and data-as-of beneath it."""
    st.plotly_chart(figure, config=CHART_CONFIG, width="stretch")
    if note:
        st.caption(note)
    definitions(release, *fields)


def require_period(period: Period | None) -> Period:
    if period is None:
        not_in_release("Monthly data")
        st.stop()
    return period


def require_group(group: Group | None) -> Group:
    if group is None:
        not_in_release("The group hierarchy")
        st.stop()
    return group


def planned_page(title: str, intro: str, will_show: list[str]) -> None:
    """A page whose datasets are not published yet: say plainly what will appear, show no numbers."""
    st.title(title)
    st.markdown(intro)
    st.markdown("**What will appear here:**\n" + "\n".join(f"- {item}" for item in will_show))
    not_in_release(f"{title} data")
