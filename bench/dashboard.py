"""Dashboard query latency: each page's calls into dashboards/data.py against the release, cache bypassed.

The page lists mirror dashboards/app_pages (filters included: every page first lists groups and months).
Each repetition clears data.py's query cache, so every call pays what a visitor's first view pays:
the DuckDB query over the release's Parquet plus the DataFrame conversion.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.timing import percentile


def _page_calls(data, release, group_id: str, start: str, end: str) -> dict:
    return {
        "overview": [
            lambda: data.groups(release), lambda: data.months(release),
            lambda: data.participation_monthly(release, group_id, start, end),
            lambda: data.participation_monthly(release, group_id, start, start),  # the previous period
            lambda: data.proposals_by_stage(release, group_id),
            lambda: data.treasury_monthly(release, group_id, start, end),
            lambda: data.treasury_totals(release, group_id, start, end),
        ],
        "participation": [
            lambda: data.groups(release), lambda: data.months(release),
            lambda: data.participation_monthly(release, group_id, start, end),
            lambda: data.participation_monthly(release, group_id, start, start),
        ],
        "decisions": [lambda: data.groups(release), lambda: data.proposals_by_stage(release, group_id)],
        "treasury": [
            lambda: data.groups(release), lambda: data.months(release),
            lambda: data.treasury_monthly(release, group_id, start, end),
            lambda: data.treasury_totals(release, group_id, start, end),
        ],
        "data_audit": [
            lambda: data.sources(release), lambda: data.load_audit(release, None),
            lambda: data.quarantine_reasons(release, None),
        ],
    }


def page_latency(releases_dir: Path, repeats: int) -> dict:
    """p50/p95 milliseconds per page over `repeats` cold-cache renders of its queries (the root group)."""
    os.environ["TOGETHEROS_RELEASES_DIR"] = str(releases_dir)
    from dashboards import data

    release = data.latest_release()
    if release is None:
        raise RuntimeError(f"no release under {releases_dir}")
    groups = data.groups(release)
    root = groups[groups["depth"] == 0].iloc[0]  # the federation: the widest filter a visitor can pick
    months = data.months(release)
    pages = _page_calls(data, release, str(root["group_id"]), months[0], months[-1])
    results = {}
    for page, calls in pages.items():
        samples = []
        for _ in range(repeats):
            data._query.clear()  # bypass st.cache_data: measure the query, not the cache hit
            started = time.perf_counter()
            for call in calls:
                call()
            samples.append((time.perf_counter() - started) * 1000)
        results[page] = {"queries": len(calls), "p50_ms": percentile(samples, 0.50),
                         "p95_ms": percentile(samples, 0.95), "max_ms": max(samples)}
    return {"source": "dashboards/data.py", "group": str(root["name"]), "months": len(months),
            "repeats": repeats, "pages": results}
