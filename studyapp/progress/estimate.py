"""How long today will take, from the learner's own pace.

A pure function of today's counts and the durations of recent reviews and drill attempts:
the median of each (a card left open while making tea must not double the estimate), with
defaults for a learner with no history yet.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

DEFAULT_CARD_SECONDS = 10.0
DEFAULT_DRILL_SECONDS = 90.0
RECENT = 200
"""How many of the most recent timings each median is taken over."""


def typical_seconds(durations_ms: Sequence[int], default: float) -> float:
    """The median of the positive durations, in seconds; `default` when there are none."""
    timed = [ms for ms in durations_ms if ms > 0]
    return statistics.median(timed) / 1000 if timed else default


def minutes_today(
    cards: int,
    drills: int,
    card_durations_ms: Sequence[int] = (),
    drill_durations_ms: Sequence[int] = (),
) -> int:
    """Whole minutes (rounded up) for `cards` card reviews and `drills` drill problems."""
    seconds = cards * typical_seconds(card_durations_ms, DEFAULT_CARD_SECONDS) + (
        drills * typical_seconds(drill_durations_ms, DEFAULT_DRILL_SECONDS)
    )
    return math.ceil(seconds / 60)
