"""Small city instances built by the real pipeline (demo generator + every Dagster asset), each with its
own data dir and development key: the members a hub in the tests takes in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

# small: a quarter with few members keeps a city's pipeline short; disjoint: one seed per city
CITY_DEMO = {"members": 80, "start": date(2026, 1, 1), "end": date(2026, 3, 31), "events": 1200}
CITY_SEEDS = {"aurora": 31, "borealis": 32, "cascadia": 33}


def build_city(data_dir: Path, seed: int) -> Path:
    """Generate a demo community into data_dir/inbox and run the whole pipeline; returns releases/."""
    from demo.generate import generate
    from pipelines.cli import run_pipeline

    generate(data_dir / "inbox", seed=seed, **CITY_DEMO)
    result = run_pipeline(data_dir)
    if not result.success:
        raise RuntimeError(f"the pipeline of the city in {data_dir} failed")
    return data_dir / "releases"
