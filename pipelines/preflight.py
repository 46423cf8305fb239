"""Refuse to publish nothing (issue 14, item 4): a missing or empty inbox stops `togetheros pipeline`
before anything runs, and a release whose datasets hold no data rows at all is not written.
`togetheros pipeline --allow-empty` allows both for a data folder that exists (a deliberate empty
release); a data folder that does not exist is refused even then (a mistyped path is never deliberate).

A run whose every file was refused stops before dbt (`no_source_rows_problem`): with no source row,
no dataset with data can get one, and building every model over empty tables took minutes.

A mistyped `--data-dir` used to run for 45 s, exit 0 and publish an empty release that verified."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipelines.settings import SOURCES

NON_DATA_AREA = "core"  # models/public/_core.yml: the groups and the load log


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in folder.rglob("*"))


def configured_apis(env: Mapping[str, str]) -> list[str]:
    """The sources whose API is configured (their pages are fetched, so an empty inbox is fine). A
    setting that does not parse counts as configured: the run itself then refuses it, naming it."""
    from pipelines.sources import API_SOURCES, fetcher

    configured = []
    for source in API_SOURCES:
        try:
            if fetcher(source).Settings.from_env(env).configured:
                configured.append(source)
        except ValueError:
            configured.append(source)
    return configured


def inbox_problem(data_dir: Path, env: Mapping[str, str], allow_empty: bool = False) -> str | None:
    """Why a run over `data_dir` would have nothing to read, or None when some source has input:
    a file under inbox/<source>/ for one of SOURCES, or a configured API (or, with allow_empty, when
    the data folder exists)."""
    inbox = Path(data_dir) / "inbox"
    if allow_empty and Path(data_dir).is_dir():
        return None
    if any(_has_files(inbox / source) for source in SOURCES) or configured_apis(env):
        return None
    expected = (
        f"expected the community's exports as files under {inbox}/<source>/ (<source> one of {', '.join(SOURCES)})"
    )
    if not Path(data_dir).is_dir():
        found = f"the data folder {data_dir} does not exist"
    elif not inbox.is_dir():
        found = f"the data folder {data_dir} has no inbox/ folder"
    else:
        others = sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
        found = f"the inbox {inbox} has no files under a source's folder" + (
            f" (found only: {', '.join(others)})" if others else " (it is empty)"
        )
    return (
        f"refusing to run: {found}; {expected}, or a source's API configured. "
        "Nothing was run and the published release was left alone. (`togetheros demo` writes a demo inbox; "
        "`--allow-empty` publishes a deliberate empty release from an existing data folder.)"
    )


def empty_release_problem(rows: Mapping[str, int], dataset_docs: Mapping[str, Mapping]) -> str | None:
    """Why a release with these row counts must not be published, or None. The core datasets (groups,
    which a default group fills, and the load log: load_audit, file_outcomes, quarantine_reasons,
    which a refused file fills) are not data: a release whose every other dataset is empty would
    publish nothing yet verify."""
    data = {
        name: count
        for name, count in rows.items()
        if (dataset_docs.get(name) or {}).get("area") not in (None, NON_DATA_AREA)
    }
    if not data or any(data.values()):
        return None
    return (
        f"refusing to publish a release with no data rows: all {len(data)} datasets with data "
        f"({', '.join(sorted(data))}) are empty; every inbox file was refused or quarantined, or the "
        "inbox holds none of the sources' exports. The published release was left alone "
        "(`togetheros pipeline --allow-empty` publishes it if that is what you mean)."
    )


def no_source_rows_problem(rows: Mapping[str, int]) -> str | None:
    """Why dbt need not run, or None: not one raw table that dbt reads holds a row (every dataset with
    data is built from them), so the release would be refused after minutes of building empty models."""
    if any(rows.values()):
        return None
    return (
        f"refusing to publish a release with no data rows: none of the {len(rows)} source tables holds a row; "
        "every inbox file was refused or quarantined, or the inbox holds none of the sources' exports. dbt was "
        "not run and the published release was left alone "
        "(`togetheros pipeline --allow-empty` publishes it if that is what you mean)."
    )
