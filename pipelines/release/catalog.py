"""What gets published, read from the dbt manifest: the public models, their documentation and
the metric definitions written once in their YAML. No Dagster here, so tests and tools can use it."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.settings import min_count


@dataclass(frozen=True)
class PublicCatalog:
    datasets: tuple[str, ...]
    dataset_docs: dict[str, dict]
    metrics: list[dict]
    min_count: int
    recompute_rules: list[dict]


def public_catalog(manifest_path: Path) -> PublicCatalog:
    # the threshold is read on every call: a process may build releases with different settings
    return replace(_catalog_from_manifest(Path(manifest_path)), min_count=min_count())


@functools.cache
def _catalog_from_manifest(manifest_path: Path) -> PublicCatalog:
    manifest = json.loads(manifest_path.read_text())
    docs, metrics, rules = {}, [], []
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
        if node["resource_type"] != "model" or node["fqn"][1] != "public":
            continue
        meta = node["config"].get("meta", {})
        docs[node["name"]] = {
            "description": node["description"],
            "primary_key": meta.get("primary_key", []),
            "people_counts": meta.get("people_counts", []),
            "columns": {name: col["description"] for name, col in node["columns"].items()},
        }
        if "recompute" in meta:  # how an auditor re-derives this aggregate from published facts
            rules.append({"aggregate": node["name"], **meta["recompute"]})
        for name, col in node["columns"].items():
            metric = col.get("meta", {}).get("metric")
            if metric:
                metrics.append({**metric, "resource": node["name"], "field": name})
    return PublicCatalog(tuple(docs), docs, metrics, min_count(), rules)
