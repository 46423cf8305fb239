"""The exact statistics a hub computes from its members' private extracts, in Python, with the same
fixed-point arithmetic as the dbt models that compute them in a city (macros/participation_fixed_point.sql,
marts/participation/mart_contribution_inequality.sql): a city checks its extract against its own marts
with these functions before writing it, so a hub figure and a city figure over the same people agree to
the last digit."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def rounded_fixed(numerator: int, denominator: int, places: int = 1) -> Decimal | None:
    """numerator ÷ denominator rounded half away from zero to `places` decimals; None when the
    denominator is not positive (as the macro rounded_fixed)."""
    if denominator <= 0:
        return None
    scale = 10**places
    magnitude = (2 * scale * abs(numerator) + denominator) // (2 * denominator)
    return Decimal(-magnitude if numerator < 0 else magnitude).scaleb(-places)


def percent_tenths(part: int, whole: int) -> Decimal | None:
    return rounded_fixed(100 * part, whole)


def gini(contributions: Iterable[int]) -> Decimal | None:
    """Gini over people sorted by contributions, x₁ ≤ … ≤ xₙ: (2·Σ i·xᵢ − (n+1)·Σ xᵢ) ÷ (n·Σ xᵢ), three
    decimals."""
    values = sorted(contributions)
    n, total = len(values), sum(values)
    weighted = sum(rank * value for rank, value in enumerate(values, start=1))
    return rounded_fixed(2 * weighted - (n + 1) * total, n * total, 3)


def absence_factor(contributions: Iterable[int]) -> int | None:
    """The fewest people who together made at least half of the contributions."""
    values = sorted(contributions, reverse=True)
    total = sum(values)
    running = 0
    for people, value in enumerate(values, start=1):
        running += value
        if 2 * running >= total > 0:
            return people
    return None


def median_tenths(histogram: dict[int, int]) -> Decimal | None:
    """The median of integer values given as value -> how many, to one decimal (twice the median of
    integers is an integer, so it is exact)."""
    values = sorted(histogram)
    n = sum(histogram.values())
    if n == 0:
        return None

    def nth(position: int) -> int:  # 0-based, in ascending order
        seen = 0
        for value in values:
            seen += histogram[value]
            if position < seen:
                return value
        raise IndexError(position)

    twice = 2 * nth(n // 2) if n % 2 else nth(n // 2 - 1) + nth(n // 2)
    return rounded_fixed(twice, 2)
