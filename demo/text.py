"""Free text for posts, memos and descriptions, including the planted canary contact details."""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.canaries import CANARIES
from demo.names import SENTENCES, TOPIC_SUBJECTS

CANARY_SHARE = 0.25  # of a canary's own free-text items that carry their phone or email


def sentences(rng: np.random.Generator, n: int, count: int = 2) -> pl.Series:
    picks = [
        pl.Series(np.asarray(SENTENCES)[rng.integers(0, len(SENTENCES), n)], dtype=pl.String) for _ in range(count)
    ]
    return pl.select(pl.concat_str(picks, separator=" ")).to_series()


def subjects(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.asarray(TOPIC_SUBJECTS)[rng.integers(0, len(TOPIC_SUBJECTS), n)]


def contact_line(canary_index: int, variant: int) -> str:
    canary = CANARIES[canary_index]
    if variant % 2:
        return f"If you want to help, write to me at {canary['email']}."
    return f"Text or call me on {canary['phone']} any evening."


def with_canary_contacts(rng: np.random.Generator, text: pl.Series, authors: np.ndarray) -> pl.Series:
    """Append a canary's phone/email to some of the texts that canary wrote (as people really do)."""
    authors = np.asarray(authors)
    lucky = (authors < len(CANARIES)) & (authors >= 0) & (rng.random(len(authors)) < CANARY_SHARE)
    for canary_index in range(len(CANARIES)):  # every canary leaks at least once per text field
        own = np.flatnonzero(authors == canary_index)
        if len(own):
            lucky[own[0]] = True
    if not lucky.any():
        return text
    values = text.to_list()
    for row in np.flatnonzero(lucky).tolist():
        values[row] = f"{values[row]} {contact_line(int(authors[row]), row)}"
    return pl.Series(text.name, values, dtype=pl.String)
