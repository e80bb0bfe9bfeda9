"""One chunk of synthetic people: their traits, timelines, outcome, and time helpers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credo.events.synth.frame import EventBuffer
from credo.events.synth.traits import Traits

US_PER_DAY = 86_400_000_000
US_PER_SECOND = 1_000_000
PERFORMANCE_MONTHS = 12


# Month starts from 1800 to 2199 (indices counted from January 1970), looked up rather than
# converted through numpy's calendar, which is slow and is needed for every event.
_FIRST_MONTH = (1800 - 1970) * 12
_MONTH_STARTS_US = (
    np.arange(_FIRST_MONTH, (2200 - 1970) * 12).astype("datetime64[M]").astype("datetime64[us]")
).astype(np.int64)


def month_start_us(month_index: np.ndarray) -> np.ndarray:
    """Microseconds since the epoch at the start of months counted from January 1970."""
    offset = np.asarray(month_index, np.int64) - _FIRST_MONTH
    if offset.size and (offset.min() < 0 or offset.max() >= len(_MONTH_STARTS_US)):
        raise ValueError("a generated date falls outside the years 1800 to 2199")
    return _MONTH_STARTS_US[offset]


@dataclass
class Chunk:
    """People of one chunk. Month t = 0 starts their window; t = history is the as-of month."""

    rng: np.random.Generator
    first_index: int
    traits: Traits
    stress: np.ndarray  # (people, months)
    history: int  # months before the as-of date
    start_month: np.ndarray  # month index (since 1970-01) of each person's t = 0
    bad: np.ndarray  # bool
    default_t: np.ndarray  # the month a bad person reaches 90 days past due; large if good
    events: EventBuffer

    @property
    def n(self) -> int:
        return len(self.start_month)

    @property
    def months(self) -> int:
        return self.history + PERFORMANCE_MONTHS

    def ts(self, user: np.ndarray, t: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Timestamps (us) at `seconds` into month t of each person's window."""
        start = month_start_us(self.start_month[user] + t)
        return start + (np.asarray(seconds) * US_PER_SECOND).astype(np.int64)

    def random_seconds(self, size: int, first_day: int = 0, days: int = 28) -> np.ndarray:
        """Random moments within days [first_day, first_day + days) of a month, in seconds."""
        return self.rng.integers(first_day * 86_400, (first_day + days) * 86_400, size)
