"""A small federation built as `togetheros demo --federation` writes it, each city instance run by the real
pipeline (every Dagster asset), with its own data dir and development key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from demo.instances import CITY_SEEDS, write_federation

# small: a quarter with few members keeps each city's pipeline short
CITY_DEMO = {"members": 80, "start": date(2026, 1, 1), "end": date(2026, 3, 31), "events": 1200}


def build_federation(root: Path) -> dict[str, Path]:
    """The demo federation under root, every city's pipeline run; returns city -> its data dir."""
    from pipelines.cli import run_pipeline

    write_federation(root, **CITY_DEMO)
    cities = {city: root / "cities" / city for city in CITY_SEEDS}
    for city, data_dir in cities.items():
        if not run_pipeline(data_dir).success:
            raise RuntimeError(f"the pipeline of city {city} in {data_dir} failed")
    return cities
