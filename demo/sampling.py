"""Sampling helpers shared by the source writers."""

from __future__ import annotations

import numpy as np

from demo.federation import Federation

NEVER = np.iinfo(np.int64).max  # "not reached" for integer-second timelines


def ancestor_table(federation: Federation) -> np.ndarray:
    """anc[g, k]: the group k levels above g (k=0 is g itself; stops at the root)."""
    table = np.zeros((len(federation.groups), 4), dtype=np.int64)
    for group in federation.groups:
        chain = [group.index, *federation.ancestors(group.index)]
        table[group.index] = [chain[min(k, len(chain) - 1)] for k in range(4)]
    return table


def scope_groups(
    rng: np.random.Generator,
    federation: Federation,
    home_city: np.ndarray,
    level_weights: tuple[float, float, float, float],
) -> np.ndarray:
    """For each actor's home city: that city or an ancestor (region, nation, federation)."""
    weights = np.asarray(level_weights, dtype=float)
    steps = rng.choice(4, size=len(home_city), p=weights / weights.sum())
    return ancestor_table(federation)[home_city, steps]


def seconds(stamps: np.ndarray) -> np.ndarray:
    return stamps.astype("datetime64[s]").astype(np.int64)


def stamps(values: np.ndarray) -> np.ndarray:
    """int64 seconds (NEVER → NaT) back to datetime64[s]."""
    out = values.astype("datetime64[s]")
    out[values == NEVER] = np.datetime64("NaT")
    return out


def recent_pick(
    rng: np.random.Generator,
    created_sorted: np.ndarray,
    times: np.ndarray,
    mean_back: float,
    popularity: np.ndarray | None = None,
) -> np.ndarray:
    """For each time, an item created before it, favouring recent and popular ones (index or -1).

    `created_sorted` must be ascending; `mean_back` is how many items back, on average, people reach;
    `popularity` (0..1 per item) makes hot threads hotter by accept/reject.
    """
    eligible = np.searchsorted(created_sorted, times, side="right")
    chosen = np.full(len(times), -1, dtype=np.int64)
    pending = np.flatnonzero(eligible > 0)
    for _ in range(40):
        back = np.floor(rng.exponential(mean_back, size=len(pending))).astype(np.int64)
        chosen[pending] = eligible[pending] - 1 - np.minimum(back, eligible[pending] - 1)
        if popularity is None or len(pending) == 0:
            break
        pending = pending[rng.random(len(pending)) >= popularity[chosen[pending]]]
    return chosen


def popularity(rng: np.random.Generator, n: int, sigma: float = 1.0) -> np.ndarray:
    """Per-item appeal in (0, 1]: lognormal, so a few threads draw most replies."""
    appeal = rng.lognormal(0.0, sigma, n)
    return np.clip(appeal / np.quantile(appeal, 0.98), 0.02, 1.0)


def zipf_choice(rng: np.random.Generator, n: int, k: int, exponent: float = 1.1) -> np.ndarray:
    """n draws from 0..k-1 with probability ~ 1/(rank+1)^exponent."""
    weights = 1.0 / np.arange(1, k + 1) ** exponent
    return rng.choice(k, size=n, p=weights / weights.sum())


def categorical(rng: np.random.Generator, labels: list[str], weights: list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.asarray(labels)[rng.choice(len(labels), size=n, p=p / p.sum())]
