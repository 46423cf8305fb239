"""Independent recomputation of the participation, governance and delivery metrics.

Each test module recomputes the released figures in plain Python from the demo's inbox files (via
tests/independent.py where it already reads a source) and compares them with the latest release.
These helpers hold what the modules share: reading a released dataset, the fixed-point rounding the
methodology promises, and the suppression rules.
"""

from __future__ import annotations

import os
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.settings import min_count

MIN_COUNT = min_count(os.environ)


def released(release: Path, dataset: str) -> list[dict]:
    return pq.read_table(release / "data" / f"{dataset}.parquet").to_pylist()


def keyed(rows: Iterable[dict], *key: str) -> dict[tuple, dict]:
    result = {}
    for row in rows:
        index = tuple(row[k] for k in key)
        assert index not in result, f"duplicate key {index}"
        result[index] = row
    return result


def rounded(numerator: int, denominator: int, places: int = 1) -> Decimal | None:
    """numerator ÷ denominator rounded half away from zero (docs/methodology), exactly."""
    if denominator <= 0:
        return None
    scale = 10**places
    sign = -1 if numerator < 0 else 1
    units = (2 * scale * abs(numerator) + denominator) // (2 * denominator)
    return Decimal(sign * units).scaleb(-places)


def percent(part: int, whole: int) -> Decimal | None:
    return rounded(100 * part, whole)


def median_in(values: list[int], unit: int) -> Decimal | None:
    """Median of integer values, expressed in `unit` (3600 = hours, 86400 = days), one decimal."""
    if not values:
        return None
    twice = int(2 * statistics.median(values))
    return rounded(twice, 2 * unit)


def month_of(day: date) -> date:
    return day.replace(day=1)


def parents(chains: dict[str, list[str]]) -> dict[str, str | None]:
    """Each group's parent, from chains of each group and the groups above it."""
    return {group: chain[1] if len(chain) > 1 else None for group, chain in chains.items()}


def suppressed_cells(
    counts: dict[tuple, int],
    parent_of: dict[str, str | None],
    k: int = MIN_COUNT,
    also_withheld: frozenset[tuple] = frozenset(),
) -> set[tuple]:
    """Keys (group_id, *cell) withheld: below k or in also_withheld (withheld for another reason), plus
    the smallest published sibling where a published parent has exactly one withheld child in the same
    cell (docs/privacy.md, small cells)."""
    primary = {key for key, value in counts.items() if value < k} | (also_withheld & counts.keys())
    families = defaultdict(list)
    for key in counts:
        group, *period = key
        families[(parent_of.get(group), *period)].append(key)
    secondary = set()
    for (parent, *period), children in families.items():
        parent_key = (parent, *period)
        if parent is None or parent_key not in counts or parent_key in primary:
            continue
        withheld = [c for c in children if c in primary]
        shown = sorted((c for c in children if c not in primary), key=lambda c: (counts[c], c[0]))
        if len(withheld) == 1 and shown:
            secondary.add(shown[0])
    return primary | secondary


def assert_people_counts(
    rows: dict[tuple, dict], expected: dict[tuple, int], column: str, withheld: set[tuple]
) -> None:
    """Released counts equal the recomputed ones; a released NULL is exactly a withheld cell."""
    missing, extra = sorted(set(expected) - set(rows)), sorted(set(rows) - set(expected))
    assert not missing and not extra, f"keys differ: missing {missing[:5]}, extra {extra[:5]}"
    for key, value in expected.items():
        row = rows[key]
        if key in withheld:
            assert row[column] is None and row["is_suppressed"], (key, value, row)
        else:
            assert value >= MIN_COUNT and row[column] == value and not row["is_suppressed"], (key, value, row)
