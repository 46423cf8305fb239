"""Dashboard query latency: every page of dashboards/app_pages rendered for real (Streamlit AppTest),
with the time spent in its queries summed.

Every query of the dashboard goes through `dashboards.queries._read`; it is wrapped with a timer, and the
query cache is cleared before each render, so each sample is what a visitor's first view of the page
costs in queries (DuckDB over the release's datasets plus the DataFrame conversion), filters included.
The dashboard reads each dataset of a release into memory once and its groups and months once (per
server process and release); the first render of each page starts without them (`first_ms`: what the first
visitor after a new release waits for), the others with them (p50/p95).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.timing import percentile

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
PAGES = sorted(p.stem for p in (APP.parent / "app_pages").glob("*.py") if not p.stem.startswith("_"))


def page_latency(releases_dir: Path, repeats: int) -> dict:
    """p50/p95 milliseconds of query time per page over `repeats` cold-cache renders, for the federation
    (the widest filter a visitor can pick), a nation and a city group (the first of each by name)."""
    os.environ["TOGETHEROS_RELEASES_DIR"] = str(releases_dir)
    from dashboards import queries, releases

    release = releases.latest_release()
    if release is None:
        raise RuntimeError(f"no release under {releases_dir}")
    groups = queries.groups(release)
    deepest = groups[groups["depth"] == groups["depth"].max()]
    chosen = {
        "federation": groups[groups["depth"] == 0].iloc[0],
        "nation": groups[groups["depth"] == 1].sort_values("name").iloc[0],
        "city": deepest.sort_values("name").iloc[0],
    }
    scopes = {
        scope: {"group": str(g["name"]), "pages": _pages(queries, str(g["group_id"]), repeats)}
        for scope, g in chosen.items()
    }
    return {
        "source": "dashboards/app_pages via AppTest, time in dashboards.queries._read",
        "group": scopes["federation"]["group"],
        "months": len(queries.months(release)),
        "repeats": repeats,
        "pages": scopes["federation"]["pages"],
        "scopes": scopes,
    }


def _pages(queries, group_id: str, repeats: int) -> dict:
    from streamlit.testing.v1 import AppTest

    spent: list[float] = []
    read = queries._read

    def timed_read(*args, **kwargs):
        started = time.perf_counter()
        try:
            return read(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    queries._read = timed_read
    results = {}
    try:
        for page in PAGES:
            samples, query_count = [], 0
            queries._database.clear()
            queries._cached_outline.clear()
            for _ in range(repeats + 1):
                app = AppTest.from_file(str(APP), default_timeout=60)
                app.query_params["group"] = group_id
                queries._query.clear()  # bypass st.cache_data: measure the queries, not cache hits
                spent.clear()
                app.run()
                if page != "overview":
                    queries._query.clear()
                    spent.clear()
                    app.switch_page(f"app_pages/{page}.py").run()
                if app.exception:
                    raise RuntimeError(f"page {page} failed for group {group_id}: {app.exception[0].message}")
                samples.append(sum(spent))
                query_count = len(spent)
            first, samples = samples[0], samples[1:]
            results[page] = {
                "queries": query_count,
                "first_ms": first,
                "p50_ms": percentile(samples, 0.50),
                "p95_ms": percentile(samples, 0.95),
                "max_ms": max(samples),
            }
    finally:
        queries._read = read
    return results
