"""One measured step: wall time and the process tree's peak memory."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.memory import PeakMemory

MIB = 1 << 20


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float
    value: Any = None


def measure(step: Callable[[], Any]) -> Measured:
    with PeakMemory() as memory:
        started = time.perf_counter()
        value = step()
        seconds = time.perf_counter() - started
    return Measured(seconds, memory.peak_bytes / MIB, value)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with 20 samples, p95 is the 19th smallest."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil without math import
    return ordered[int(rank) - 1]
