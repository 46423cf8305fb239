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
from pipelines.federation import extract
from pipelines.release.signing import SigningKeyConfig
from pipelines.settings import Paths

# small: a quarter with few members keeps each city's pipeline short
CITY_DEMO = {"members": 80, "start": date(2026, 1, 1), "end": date(2026, 3, 31), "events": 1200}
# what a built instance brings as the first city: its inputs, warehouse, releases and keys (not its Dagster
# home, landing or quarantine: nothing reruns it)
BUILT_FOLDERS = ("inbox", "warehouse", "releases", "keys")


def write_built_extract(data_dir: Path) -> Path:
    """The private extract of a built city's latest release, as its `release/latest` asset writes it once
    the federation's keys are under keys/ (the built instance ran without them); reads its warehouse
    read-only."""
    from pipelines.assets.release import _write_federation_extract
    from pipelines.assets.resources import FederationExtract, Signing, Warehouse

    paths = Paths(data_dir)
    release = (paths.releases / "latest").resolve()
    name = _write_federation_extract(paths, release, Warehouse(), Signing(), FederationExtract())
    assert name == f"{release.name}{extract.SUFFIX}", name
    return paths.releases / name


def build_federation(root: Path, built: Path | None = None, prepare=None) -> dict[str, Path]:
    """The demo federation under root, every city's pipeline run; returns city -> its data dir. built:
    the data dir of an instance whose pipeline has run, taken as the first city (its inbox, warehouse,
    releases and key copied, the demo federation's extract keys kept, and its release's extract written;
    the hub's federation.yaml pins that key; built itself is only read). prepare(cities): called on the
    inboxes (the first city's already the built one's) before any pipeline runs; it must not change the
    first city's inbox when built is given (its release is made already)."""
    from pipelines.cli import run_pipeline

    write_federation(root, **CITY_DEMO)
    cities = {city: root / "cities" / city for city in CITY_SEEDS}
    if built is not None:
        first = next(iter(cities))
        wiring = {
            name: (cities[first] / "keys" / name).read_bytes()
            for name in (extract.FEDERATION_KEY_FILE, extract.HUB_BOX_PUBLIC_FILE)
        }
        shutil.rmtree(cities[first])
        for folder in BUILT_FOLDERS:
            shutil.copytree(built / folder, cities[first] / folder, symlinks=True)
        for name, content in wiring.items():  # the federation's keys, as the demo gives every city
            (cities[first] / "keys" / name).write_bytes(content)
            (cities[first] / "keys" / name).chmod(0o600)
        write_built_extract(cities[first])
        config = root / "hub" / "inbox" / "community" / "federation.yaml"
        document = yaml.safe_load(config.read_text())
        document["members"][0]["public_key"] = SigningKeyConfig.from_env({}, cities[first]).public_key_file_text()
        config.write_text(yaml.safe_dump(document, sort_keys=False))
    if prepare is not None:
        prepare(cities)
    for city, data_dir in cities.items():
        if not (data_dir / "releases" / "latest").exists() and not run_pipeline(data_dir).success:
            raise RuntimeError(f"the pipeline of city {city} in {data_dir} failed")
    return cities
