"""Every staging and mart model says what a row is, and every column its YAML names is described (the
manifest `make setup` parses; no warehouse needed)."""

from __future__ import annotations

import json

from pipelines.settings import DBT_PROJECT_DIR


def _models() -> list[dict]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] in ("staging", "marts")
    ]


def test_every_staging_and_mart_model_is_described():
    assert [node["name"] for node in _models() if not node["description"].strip()] == []


def test_every_column_named_in_yaml_is_described():
    undescribed = [
        f"{node['name']}.{name}"
        for node in _models()
        for name, column in node["columns"].items()
        if not column["description"].strip()
    ]
    assert undescribed == []
