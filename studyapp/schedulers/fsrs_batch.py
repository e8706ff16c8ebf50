"""FSRS replayed over a whole review log at once, with NumPy: one review position at a time
across every item (the first grade of every item, then the second, ...), instead of item by
item. A million grades take about a second where `schedulers.fsrs.replay` item by item
takes tens. The formulas are those of schedulers/fsrs.py; the results equal them up to
floating-point rounding (tests/test_fsrs.py checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studyapp.schedulers.fsrs import MAX_DIFFICULTY, MIN_DIFFICULTY, MIN_STABILITY


@dataclass(frozen=True)
class Replayed:
    """Per first grade, in `order` (each item's grades together, in log order): the item,
    the day, the segment (an item's run since it was new or reset), FSRS's stability and
    difficulty after the grade, and the recall it predicted before it (NaN: no prediction,
    the segment's first grade or a same-day one)."""

    order: Any
    item: Any
    day: Any
    segment: Any
    stability: Any
    difficulty: Any
    predicted: Any

    def last_of_items(self) -> Any:
        """The rows that end an item's log (its current state)."""
        import numpy as np

        ends = np.ones(len(self.item), dtype=bool)
        ends[:-1] = self.item[1:] != self.item[:-1]
        return np.flatnonzero(ends)


def replay_batch(item: Any, day: Any, quality: Any, fresh: Any, w: Sequence[float]) -> Replayed:
    """Replay the day's first grades (arrays in log order: item code, day ordinal, grade
    0..5, whether the item was new before the grade) with the weights `w`."""
    import numpy as np

    n = len(item)
    order = np.argsort(item, kind="stable")
    item, day, quality, fresh = (np.asarray(a)[order] for a in (item, day, quality, fresh))
    starts = np.ones(n, dtype=bool)
    if n:
        starts[1:] = (item[1:] != item[:-1]) | fresh[1:]
    segment = np.cumsum(starts) - 1
    position = np.arange(n) - np.flatnonzero(starts)[segment] if n else np.zeros(0, int)
    rating = np.maximum(quality - 1, 1)
    weights = np.asarray(w, dtype=float)
    decay = -weights[20]
    factor = 0.9 ** (1 / decay) - 1
    stability, difficulty = np.zeros(n), np.zeros(n)
    predicted = np.full(n, np.nan)
    by_position = np.argsort(position, kind="stable")
    top = int(position.max()) if n else -1
    bounds = np.searchsorted(position[by_position], np.arange(top + 2))
    easy = weights[4] - np.exp(weights[5] * 3) + 1
    for k in range(top + 1):
        rows = by_position[bounds[k] : bounds[k + 1]]
        g = rating[rows]
        if k == 0:
            stability[rows] = np.maximum(weights[g - 1], MIN_STABILITY)
            first = weights[4] - np.exp(weights[5] * (g - 1)) + 1
            difficulty[rows] = np.clip(first, MIN_DIFFICULTY, MAX_DIFFICULTY)
            continue
        s, d = stability[rows - 1], difficulty[rows - 1]
        elapsed = day[rows] - day[rows - 1]
        r = (1 + factor * np.maximum(elapsed, 0) / s) ** decay
        predicted[rows] = np.where(elapsed >= 1, r, np.nan)
        forget = np.minimum(
            weights[11]
            * d ** -weights[12]
            * ((s + 1) ** weights[13] - 1)
            * np.exp((1 - r) * weights[14]),
            s / np.exp(weights[17] * weights[18]),
        )
        growth = (
            np.exp(weights[8])
            * (11 - d)
            * s ** -weights[9]
            * (np.exp((1 - r) * weights[10]) - 1)
            * np.where(g == 2, weights[15], 1.0)
            * np.where(g == 4, weights[16], 1.0)
        )
        long_term = np.where(g == 1, forget, s * (1 + growth))
        increase = np.exp(weights[17] * (g - 3 + weights[18])) * s ** -weights[19]
        same_day = s * np.where(g == 1, increase, np.maximum(increase, 1.0))
        stability[rows] = np.maximum(np.where(elapsed < 1, same_day, long_term), MIN_STABILITY)
        moved = d + (10.0 - d) * (-weights[6] * (g - 3)) / 9.0
        difficulty[rows] = np.clip(
            weights[7] * easy + (1 - weights[7]) * moved, MIN_DIFFICULTY, MAX_DIFFICULTY
        )
    return Replayed(order, item, day, segment, stability, difficulty, predicted)
