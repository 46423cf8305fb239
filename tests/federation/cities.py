"""A small federation built as `togetheros demo --federation` writes it, each city instance run by the real
pipeline (every Dagster asset), with its own data dir and development key. The first city can be an
instance built already (the session's demo pipeline run, its own seed: disjoint people and groups), so a
test run builds two city pipelines for the federation instead of three."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from demo.instances import CITY_SEEDS, write_federation
from pipelines.release.signing import SigningKeyConfig

# small: a quarter with few members keeps each city's pipeline short
CITY_DEMO = {"members": 80, "start": date(2026, 1, 1), "end": date(2026, 3, 31), "events": 1200}


def build_federation(root: Path, built: Path | None = None, prepare=None) -> dict[str, Path]:
    """The demo federation under root, every city's pipeline run; returns city -> its data dir. built:
    the data dir of an instance whose pipeline has run, taken as the first city (its releases and key
    copied; the hub's federation.yaml pins that key). prepare(cities): called on the written inboxes
    before any pipeline runs."""
    from pipelines.cli import run_pipeline

    write_federation(root, **CITY_DEMO)
    cities = {city: root / "cities" / city for city in CITY_SEEDS}
    if prepare is not None:
        prepare(cities)
    if built is not None:
        first = next(iter(cities))
        shutil.rmtree(cities[first])
        for folder in ("releases", "keys"):
            shutil.copytree(built / folder, cities[first] / folder, symlinks=True)
        config = root / "hub" / "inbox" / "community" / "federation.yaml"
        document = yaml.safe_load(config.read_text())
        document["members"][0]["public_key"] = SigningKeyConfig.from_env({}, cities[first]).public_key_file_text()
        config.write_text(yaml.safe_dump(document, sort_keys=False))
    for city, data_dir in cities.items():
        if not (data_dir / "releases" / "latest").exists() and not run_pipeline(data_dir).success:
            raise RuntimeError(f"the pipeline of city {city} in {data_dir} failed")
    return cities
