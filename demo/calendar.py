"""When things happen: a day-weighted calendar with a weekly rhythm, seasons and slow growth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# Monday..Sunday: community work happens on weekdays, weekends are quieter.
WEEKDAY_FACTOR = np.array([1.0, 1.05, 1.08, 1.02, 0.9, 0.52, 0.44])
# Hour-of-day (UTC) profile: mornings, a lunch bump, busy evenings, quiet nights.
HOUR_FACTOR = np.array(
    [
        0.15,
        0.08,
        0.05,
        0.04,
        0.05,
        0.1,
        0.3,
        0.6,
        0.9,
        1.0,
        1.0,
        1.05,
        1.1,
        1.0,
        0.95,
        0.95,
        1.0,
        1.1,
        1.3,
        1.4,
        1.35,
        1.1,
        0.7,
        0.35,
    ]
)
SECONDS_PER_DAY = 86_400


def seasonal_factor(days: np.ndarray) -> np.ndarray:
    """Busy late winter and autumn, a summer lull and a holiday dip around the new year."""
    day_of_year = (days - days.astype("datetime64[Y]")).astype(int)
    factor = 1.0 + 0.22 * np.cos(2 * np.pi * (day_of_year - 45) / 365.25)
    month_day = day_of_year
    holidays = (month_day >= 354) | (month_day <= 5)
    august = (month_day >= 213) & (month_day <= 243)
    return factor * np.where(holidays, 0.55, 1.0) * np.where(august, 0.7, 1.0)


@dataclass(frozen=True)
class Calendar:
    start: date
    end: date
    days: np.ndarray  # datetime64[D], inclusive range
    weights: np.ndarray  # probability of an event falling on each day

    @classmethod
    def build(cls, start: date, end: date) -> Calendar:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
        weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
        growth = np.linspace(0.85, 1.15, len(days))  # the federation grows over the window
        weights = WEEKDAY_FACTOR[weekday] * seasonal_factor(days) * growth
        return cls(start, end, days, weights / weights.sum())

    @property
    def start_s(self) -> np.datetime64:
        return self.days[0].astype("datetime64[s]")

    @property
    def end_s(self) -> np.datetime64:
        """Last second of the window."""
        return (self.days[-1] + 1).astype("datetime64[s]") - 1

    @property
    def years(self) -> float:
        return len(self.days) / 365.25

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n timestamps (datetime64[s]) following the weekly, seasonal and daily rhythm."""
        day = rng.choice(len(self.days), size=n, p=self.weights)
        hour = rng.choice(24, size=n, p=HOUR_FACTOR / HOUR_FACTOR.sum())
        second = hour * 3600 + rng.integers(0, 3600, size=n)
        return self.days[day].astype("datetime64[s]") + second.astype("timedelta64[s]")

    def sample_with_history(
        self, rng: np.random.Generator, n: int, earlier_share: float = 0.08, earlier_days: int = 60
    ) -> np.ndarray:
        """Like sample(), but some items already existed before the window opened (ongoing threads)."""
        stamps = self.sample(rng, n)
        older = rng.random(n) < earlier_share
        back = rng.integers(1, earlier_days * SECONDS_PER_DAY, int(older.sum())).astype("timedelta64[s]")
        stamps[older] = self.start_s - back
        return stamps

    def after(self, rng: np.random.Generator, base: np.ndarray, mean_seconds: float) -> np.ndarray:
        """Timestamps an exponential delay after `base`, kept inside the window.

        A delay that would run past the window is redrawn uniformly between base and the end,
        so nothing piles up on the last day.
        """
        base = base.astype("datetime64[s]")
        delay = rng.exponential(mean_seconds, size=len(base)).astype("int64") + 1
        result = base + delay.astype("timedelta64[s]")
        room = (self.end_s - base).astype("int64").clip(min=0)
        late = result > self.end_s
        redrawn = base + (rng.random(len(base)) * room).astype("int64").astype("timedelta64[s]")
        return np.where(late, redrawn, result)

    def is_weekend(self, stamps: np.ndarray) -> np.ndarray:
        days = stamps.astype("datetime64[D]").astype(int)
        return ((days + 3) % 7) >= 5
