"""What gets published, read from the dbt manifest: the public models, their documentation and
the metric definitions written once in their YAML. No Dagster here, so tests and tools can use it."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import min_count


@dataclass(frozen=True)
class PublicCatalog:
    datasets: tuple[str, ...]
    dataset_docs: dict[str, dict]
    metrics: list[dict]
    min_count: int
    recompute_rules: list[dict]


@functools.cache
def public_catalog(manifest_path: Path) -> PublicCatalog:
    manifest = json.loads(Path(manifest_path).read_text())
    docs, metrics = {}, []
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
        for name, col in node["columns"].items():
            metric = col.get("meta", {}).get("metric")
            if metric:
                metrics.append({**metric, "resource": node["name"], "field": name})
    return PublicCatalog(tuple(docs), docs, metrics, min_count(), [])
