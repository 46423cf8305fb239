"""Deterministic identifiers drawn from the seeded generator (never from the OS or the clock)."""

from __future__ import annotations

import numpy as np
import polars as pl


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """n random version-4 UUID strings."""
    return uuid_series(rng, n).to_list()


def uuid_series(rng: np.random.Generator, n: int) -> pl.Series:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype("U32")
    text = pl.Series("uuid", hexed)
    return (
        pl.select(
            pl.concat_str(
                [
                    text.str.slice(0, 8),
                    text.str.slice(8, 4),
                    text.str.slice(12, 4),
                    text.str.slice(16, 4),
                    text.str.slice(20, 12),
                ],
                separator="-",
            )
        )
        .to_series()
        .alias("uuid")
    )


def short_hex(rng: np.random.Generator, n: int, width: int = 8) -> list[str]:
    """n random lowercase hex strings (Open Collective shortId / shortGroup style)."""
    raw = rng.integers(0, 256, size=(n, (width + 1) // 2), dtype=np.uint8)
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype=f"S{2 * raw.shape[1]}").astype("U")
    return [h[:width] for h in hexed.tolist()]


class HexPool:
    """Distinct short_hex ids handed out one at a time but drawn in bulk (per-row draws are slow). Never
    the same id twice: 8 hex digits repeat by chance after ~80,000 draws, and a platform's ids do not."""

    def __init__(self, rng: np.random.Generator, width: int = 8, batch: int = 4096, issued: set[str] | None = None):
        self.rng, self.width, self.batch = rng, width, batch
        self.pending: list[str] = []
        self.issued = set() if issued is None else issued  # shared by pools whose ids must differ too

    def next(self) -> str:
        while True:
            if not self.pending:
                self.pending = short_hex(self.rng, self.batch, self.width)[::-1]
            value = self.pending.pop()
            if value not in self.issued:
                self.issued.add(value)
                return value
