"""Every read the dashboard makes: the latest release's descriptor and its Parquet files.

The dashboard never opens the warehouse (the pipeline holds its lock while it writes); it reads only
the immutable release that `<releases_dir>/latest` points to, through an in-memory DuckDB connection.
Queries bind every value, the Parquet path included, and are cached per release directory, so a new
release (a new directory) is picked up on the next rerun without stale results.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards.formatting import month_start

REPO_ROOT = Path(__file__).resolve().parent.parent
RELEASES_DIR_ENV = "TOGETHEROS_RELEASES_DIR"
DEFAULT_MIN_COUNT = 5
# The lifecycle order of a proposal (TogetherOS governance module); charts list stages in this order.
PROPOSAL_STAGES = (
    "draft", "research", "deliberation", "voting", "decided", "delivery", "reviewed", "archived",
)  # fmt: skip
# A fixed timestamp keeps the package zip byte-identical for the same release files.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class ReleaseUnavailable(Exception):
    """The `latest` release exists but cannot be read; the message is shown to the visitor."""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    definition: str
    formula: str = ""
    unit: str = ""
    grain: str = ""
    caveats: str = ""
    resource: str = ""
    field: str = ""


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    format: str
    rows: int | None
    bytes: int | None
    hash: str

    @property
    def sha256(self) -> str:
        return self.hash.removeprefix("sha256:")


@dataclass(frozen=True)
class Release:
    """The parsed descriptor of one release; `path` (its resolved directory) keys every cache."""

    id: str
    path: str
    created: str
    data_as_of: str
    min_count: int
    resources: tuple[Resource, ...]
    metrics: tuple[Metric, ...]
    descriptor: dict[str, Any] = field(hash=False, compare=False)

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)

    def has_dataset(self, name: str) -> bool:
        """True when the release lists the dataset's Parquet file and the file is really there."""
        resource = self.resource(name)
        return resource is not None and self.file(resource.path).is_file()

    def file(self, relative_path: str) -> Path:
        """A path inside the release; refuses anything that would escape the release directory."""
        root = Path(self.path)
        candidate = (root / relative_path).resolve()
        if not candidate.is_relative_to(root):
            raise ReleaseUnavailable(f"The descriptor names a file outside the release: {relative_path}")
        return candidate

    def metric(self, resource: str, field_name: str) -> Metric | None:
        return next((m for m in self.metrics if m.resource == resource and m.field == field_name), None)


def releases_dir() -> Path:
    return Path(os.environ.get(RELEASES_DIR_ENV) or REPO_ROOT / "data" / "releases")


def latest_release() -> Release | None:
    """The release `latest` points to, or None when no release has been published yet."""
    link = releases_dir() / "latest"
    if not link.exists():
        return None
    return _load_release(str(link.resolve()))


@st.cache_data(show_spinner=False, max_entries=8)
def _load_release(release_path: str) -> Release:
    descriptor_path = Path(release_path) / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReleaseUnavailable(f"The descriptor {descriptor_path} cannot be read ({error}).") from error
    return _release_from_descriptor(release_path, descriptor)


def _release_from_descriptor(release_path: str, descriptor: dict[str, Any]) -> Release:
    resources = tuple(
        Resource(
            name=r["name"],
            path=r["path"],
            format=r.get("format") or Path(r["path"]).suffix.lstrip("."),
            # Parquet resources are Frictionless `file` resources, whose count is `togetheros:rows`.
            rows=r.get("rows", r.get("togetheros:rows")),
            bytes=r.get("bytes"),
            hash=r.get("hash", ""),
        )
        for r in descriptor.get("resources", [])
    )
    metric_fields = set(Metric.__dataclass_fields__)
    metrics = tuple(
        Metric(**{k: v for k, v in m.items() if k in metric_fields} | {"caveats": _text(m.get("caveats"))})
        for m in descriptor.get("togetheros:metrics", [])
    )
    suppression = descriptor.get("togetheros:suppression") or {}
    return Release(
        id=descriptor.get("id") or Path(release_path).name,
        path=release_path,
        created=descriptor.get("created", ""),
        data_as_of=descriptor.get("togetheros:data_as_of", ""),
        min_count=int(suppression.get("min_count", DEFAULT_MIN_COUNT)),
        resources=resources,
        metrics=metrics,
        descriptor=descriptor,
    )


def _text(value: Any) -> str:
    """Caveats may be a list of sentences or one string; the dashboard shows one string."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(release_path: str) -> duckdb.DuckDBPyConnection:
    # One in-memory database per release; it holds no tables, only reads Parquet, so it locks no file.
    return duckdb.connect(":memory:")


@st.cache_data(show_spinner=False, max_entries=256)
def _query(release_path: str, sql: str, params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    # A cursor per query: the cached connection is shared by every session's thread.
    cursor = _connection(release_path).cursor()
    try:
        return cursor.execute(sql, dict(params)).df()
    finally:
        cursor.close()


def _read(release: Release, dataset: str, sql: str, **params: Any) -> pd.DataFrame:
    """Run `sql` (which reads `read_parquet($path)`) against one dataset of the release."""
    resource = release.resource(dataset)
    if resource is None:
        raise KeyError(f"{dataset} is not in release {release.id}")
    params["path"] = str(release.file(resource.path))
    return _query(release.path, sql, tuple(sorted(params.items())))


def groups(release: Release) -> pd.DataFrame:
    """group_id, name, level, parent_id, depth, in hierarchy order (each group followed by its children)."""
    frame = _read(release, "groups", "select group_id, name, level, parent_id from read_parquet($path)")
    return hierarchy_order(frame)


def hierarchy_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Depth-first order with a `depth` column; roots are groups whose parent is absent or unknown."""
    ids = set(frame["group_id"])
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in frame.sort_values("name").to_dict("records"):
        parent = row["parent_id"] if row["parent_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        ordered.append(row | {"depth": depth})
        stack.extend((child, depth + 1) for child in reversed(children.get(row["group_id"], [])))
    return pd.DataFrame(ordered, columns=[*frame.columns, "depth"])


def months(release: Release) -> list[str]:
    """Every month ('YYYY-MM') that a monthly dataset of the release covers, oldest first."""
    found: set[str] = set()
    for dataset in ("participation_monthly", "treasury_monthly"):
        if release.has_dataset(dataset):
            sql = "select distinct strftime(month, '%Y-%m') as m from read_parquet($path)"
            found.update(_read(release, dataset, sql)["m"])
    return sorted(found)


def participation_monthly(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, active_members (NaN when suppressed), is_suppressed for one group, months start..end."""
    return _read(
        release,
        "participation_monthly",
        "select month, active_members, is_suppressed from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end order by month",
        group_id=group_id,
        start=month_start(start),
        end=month_start(end),
    )


def proposals_by_stage(release: Release, group_id: str) -> pd.DataFrame:
    """stage, proposals, is_suppressed for one group, every lifecycle stage present (0 when none).

    A null count is a suppressed cell (the public datasets' convention), whatever the dataset's columns.
    """
    frame = _read(
        release,
        "proposals_by_stage",
        "select stage, proposals, proposals is null as is_suppressed from read_parquet($path)"
        " where group_id = $group_id",
        group_id=group_id,
    )
    cells = {row.stage: (row.proposals, bool(row.is_suppressed)) for row in frame.itertuples()}
    known = [(stage, *cells.pop(stage, (0, False))) for stage in PROPOSAL_STAGES]
    # Stages the model does not know yet still show, after the known ones.
    rows = known + [(stage, *cell) for stage, cell in sorted(cells.items())]
    return pd.DataFrame(rows, columns=["stage", "proposals", "is_suppressed"])


def treasury_monthly(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """month, currency, inflow_minor, outflow_minor for one group, months start..end."""
    return _read(
        release,
        "treasury_monthly",
        "select month, currency, inflow_minor, outflow_minor from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end order by currency, month",
        group_id=group_id,
        start=month_start(start),
        end=month_start(end),
    )


def treasury_totals(release: Release, group_id: str, start: str, end: str) -> pd.DataFrame:
    """currency, inflow_minor, outflow_minor summed over the months of the period (one group)."""
    return _read(
        release,
        "treasury_monthly",
        "select currency, sum(inflow_minor)::bigint as inflow_minor,"
        " sum(outflow_minor)::bigint as outflow_minor from read_parquet($path)"
        " where group_id = $group_id and month between $start and $end group by currency order by currency",
        group_id=group_id,
        start=month_start(start),
        end=month_start(end),
    )


def sources(release: Release) -> list[str]:
    """The sources named by the load audit (and quarantine reasons), sorted."""
    found: set[str] = set()
    for dataset in ("load_audit", "quarantine_reasons"):
        if release.has_dataset(dataset):
            found.update(_read(release, dataset, "select distinct source from read_parquet($path)")["source"])
    return sorted(found)


def load_audit(release: Release, source: str | None) -> pd.DataFrame:
    """Per source and entity: files, rows read, accepted and quarantined (all sources when None)."""
    return _read(
        release,
        "load_audit",
        "select source, entity, files, rows_read, rows_accepted, rows_quarantined from read_parquet($path)"
        " where ($source is null or source = $source) order by source, entity",
        source=source,
    )


def quarantine_reasons(release: Release, source: str | None) -> pd.DataFrame:
    """Per source, entity and rule: how many records were quarantined (all sources when None)."""
    return _read(
        release,
        "quarantine_reasons",
        "select source, entity, rule, records from read_parquet($path)"
        " where ($source is null or source = $source) order by source, entity, records desc, rule",
        source=source,
    )


def file_bytes(release: Release, relative_path: str) -> bytes:
    return release.file(relative_path).read_bytes()


@st.cache_data(show_spinner=False, max_entries=2)
def package_zip(release_path: str, release_id: str) -> bytes:
    """Every file of the release in one zip, byte-identical for identical release files."""
    root = Path(release_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{release_id}/{path.relative_to(root).as_posix()}", _ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
