"""The release the dashboard reads: which one `latest` points to, and its parsed descriptor.

The dashboard never opens the warehouse (the pipeline holds its lock while it writes); it reads only
the immutable release that `<releases_dir>/latest` points to. `Release` is its descriptor (datasets,
metric definitions, suppression threshold, data as of) and the files it holds; `queries` reads the
datasets' Parquet files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import streamlit as st

from dashboards.files import release_zip
from dashboards.i18n import METRIC_TEXTS, _, metric_text

REPO_ROOT = Path(__file__).resolve().parent.parent


RELEASES_DIR_ENV = "TOGETHEROS_RELEASES_DIR"


class ReleaseUnavailable(Exception):
    """The `latest` release exists but cannot be read; the message, in the visitor's language, is shown to
    them (Streamlit caches no exception, so each raise is in the language of the page that met it)."""


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
    data_as_of: str = ""  # the dataset's own last-data date (descriptor `togetheros:data_as_of`)

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
            raise ReleaseUnavailable(
                _("The descriptor names a file outside the release: {path}").format(path=relative_path)
            )
        return candidate

    def dataset_as_of(self, name: str) -> str:
        """The dataset's own last-data date; the release's for a descriptor that has none per dataset."""
        resource = self.resource(name)
        return (resource.data_as_of if resource else "") or self.data_as_of

    def datasets(self, *prefixes: str) -> list[str]:
        """The release's datasets whose names start with one of `prefixes` (a full name is a prefix)."""
        return [r.name for r in self.resources if r.format == "parquet" and r.name.startswith(prefixes)]

    def metric(self, resource: str, field_name: str) -> Metric | None:
        """A published metric, its label, definition and caveats in the reader's language."""
        found = next((m for m in self.metrics if m.resource == resource and m.field == field_name), None)
        if found is None:
            return None
        return replace(found, **{key: metric_text(getattr(found, key)) for key in METRIC_TEXTS})


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
        raise ReleaseUnavailable(
            _("The descriptor {path} cannot be read ({error}).").format(path=descriptor_path, error=error)
        ) from error
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
            data_as_of=r.get("togetheros:data_as_of") or descriptor.get("togetheros:data_as_of", ""),
        )
        for r in descriptor.get("resources", [])
    )
    metric_fields = set(Metric.__dataclass_fields__)
    metrics = tuple(
        Metric(**{k: v for k, v in m.items() if k in metric_fields} | {"caveats": _text(m.get("caveats"))})
        for m in descriptor.get("togetheros:metrics", [])
    )
    # the threshold the release was built with: the dashboard has no threshold of its own
    try:
        min_count = int(descriptor["togetheros:suppression"]["min_count"])
    except (KeyError, TypeError, ValueError) as error:
        raise ReleaseUnavailable(
            _("The descriptor of {path} names no suppression threshold.").format(path=release_path)
        ) from error
    return Release(
        id=descriptor.get("id") or Path(release_path).name,
        path=release_path,
        created=descriptor.get("created", ""),
        data_as_of=descriptor.get("togetheros:data_as_of", ""),
        min_count=min_count,
        resources=resources,
        metrics=metrics,
        descriptor=descriptor,
    )


def _text(value: Any) -> str:
    """Caveats may be a list of sentences or one string; the dashboard shows one string."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value or "")


def file_bytes(release: Release, relative_path: str) -> bytes:
    return release.file(relative_path).read_bytes()


@st.cache_data(show_spinner=False, max_entries=2)
def package_zip(release_path: str, release_id: str) -> bytes:
    """Every file of the release in one zip, byte-identical for identical release files (the same
    bytes the file server hands out at /releases/<id>.zip)."""
    return release_zip(Path(release_path), release_id)
