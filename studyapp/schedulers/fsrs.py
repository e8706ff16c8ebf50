"""FSRS-6 as pure functions, day-based: ``(state, grade, day) -> new state``, beside SM-2.

FSRS (the Free Spaced Repetition Scheduler of the open-spaced-repetition group) models each
item's memory by a stability S (days until recall falls to 90 %) and a difficulty D (1..10),
and predicts recall after t days as R(t) = (1 + F·t/S)^(-w20), with F chosen so that
R(S) = 0.9. The next interval is the day count at which R falls to the desired retention.

This module follows the maintained ``fsrs`` package (py-fsrs 6.3) as a learner's day-based
scheduler: no learning or relearning steps in minutes (studyapp schedules in whole study
days, and a same-day re-ask is logged without rescheduling, as under SM-2), no fuzz (the
interval a grade button shows is the one the grade gives). With those settings every grade
is a long-term review, and the state after each grade equals the package's own
(tests/test_fsrs.py replays grade sequences through both). It is written out here, not
called through the package, because a replay of a million-row log through the package's
datetime-based card objects takes tens of seconds; the package gives the default parameters.

Grades: SM-2's 0-2 are Again, 3 Hard, 4 Good, 5 Easy (``rating_for``). A state is None for
an item never graded (or reset: its log starts afresh from the grade whose SM-2 state
before was new).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyapp.config import Settings

__all__ = [
    "FsrsState",
    "check_parameters",
    "default_parameters",
    "interval_days",
    "preview_intervals",
    "rating_for",
    "replay",
    "retrievability",
    "review",
]

MAX_INTERVAL = 36_500
"""As SM-2's cap here (and the package's default maximum interval)."""

MIN_STABILITY = 0.001
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


Weights = Sequence[float]


def default_parameters() -> tuple[float, ...]:
    """FSRS-6's 21 default weights, as the ``fsrs`` package ships them (imported when first
    needed: the package costs ~25 ms, which start-up does not pay)."""
    from fsrs.scheduler import DEFAULT_PARAMETERS as defaults

    return tuple(float(w) for w in defaults)


def _weights(w: Weights | None) -> Weights:
    return w if w else default_parameters()


def check_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """The weights as a tuple when the package accepts them (21, each within its bounds);
    ValueError otherwise, so a damaged stored fit falls back to the defaults."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    weights = tuple(float(w) for w in parameters)
    if len(weights) != len(LOWER_BOUNDS_PARAMETERS):
        raise ValueError(f"FSRS needs {len(LOWER_BOUNDS_PARAMETERS)} weights, got {len(weights)}")
    for index, (w, low, high) in enumerate(
        zip(weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        if not low <= w <= high:
            raise ValueError(f"FSRS weight w{index} = {w} is outside {low}..{high}")
    return weights


@dataclass(frozen=True)
class FsrsState:
    """One item's FSRS memory: stability S in days, difficulty D in 1..10, the day of its
    last (first-of-the-day) grade and the day it is due."""

    stability: float
    difficulty: float
    last_review: date
    due: date


def rating_for(quality: int) -> int:
    """SM-2's grade 0..5 as an FSRS rating: 0-2 Again (1), 3 Hard (2), 4 Good (3), 5 Easy (4)."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"a grade is a whole number from 0 to 5, not {quality!r}")
    return max(AGAIN, quality - 1)


def _decay(w: Sequence[float]) -> float:
    return -w[20]


def _factor(w: Sequence[float]) -> float:
    """F such that R(S) = 0.9: 0.9^(1/decay) - 1."""
    return float(0.9 ** (1 / _decay(w)) - 1)


def recall(stability: float, elapsed_days: float, w: Sequence[float]) -> float:
    """R after `elapsed_days` for an item of stability S: (1 + F·t/S)^decay."""
    return float((1 + _factor(w) * max(0.0, elapsed_days) / stability) ** _decay(w))


def retrievability(state: FsrsState | None, day: date, w: Weights | None = None) -> float:
    """The predicted chance of recall on `day` (0 for an item never graded, as the package
    says of a card without a review)."""
    if state is None:
        return 0.0
    return recall(state.stability, (day - state.last_review).days, _weights(w))


def interval_days(stability: float, retention: float, w: Sequence[float]) -> int:
    """Whole days until R falls to `retention`: S/F·(retention^(1/decay) - 1), rounded to
    the nearest day, at least 1 and at most MAX_INTERVAL."""
    days = float(stability / _factor(w) * (retention ** (1 / _decay(w)) - 1))
    return min(max(round(days), 1), MAX_INTERVAL)


def _first_difficulty(rating: int, w: Sequence[float]) -> float:
    """D0(G) = w4 - e^(w5·(G-1)) + 1, unclamped (the mean-reversion target uses it so)."""
    return w[4] - math.exp(w[5] * (rating - 1)) + 1


def _clamp_d(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)


def _next_difficulty(difficulty: float, rating: int, w: Sequence[float]) -> float:
    """D moves by -w6·(G-3), damped linearly towards 10, then reverts a share w7 to D0(Easy)."""
    moved = difficulty + (10.0 - difficulty) * (-w[6] * (rating - 3)) / 9.0
    return _clamp_d(w[7] * _first_difficulty(EASY, w) + (1 - w[7]) * moved)


def _next_stability(s: float, d: float, r: float, rating: int, w: Sequence[float]) -> float:
    """S after a review t ≥ 1 day after the last, at recall R: the post-lapse stability
    (capped by the short-term one) for Again, the recall growth otherwise."""
    if rating == AGAIN:
        long_term = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
        short_term = s / math.exp(w[17] * w[18])
        grown = min(long_term, short_term)
    else:
        penalty = w[15] if rating == HARD else 1.0
        bonus = w[16] if rating == EASY else 1.0
        growth = math.exp(w[8]) * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1)
        grown = s * (1 + growth * penalty * bonus)
    return max(float(grown), MIN_STABILITY)


def _same_day_stability(s: float, rating: int, w: Sequence[float]) -> float:
    """S after a second review on the same day (only reached by a log whose same-day
    re-asks were not marked as such, e.g. an import): FSRS-6's short-term formula."""
    increase = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
    if rating != AGAIN:
        increase = max(increase, 1.0)
    return max(float(s * increase), MIN_STABILITY)


def review(
    state: FsrsState | None,
    quality: int,
    today: date,
    w: Weights | None = None,
    retention: float = 0.9,
) -> FsrsState:
    """The state after the day's first grade `quality` (0..5) on `today`, with the weights
    `w` (None or empty: FSRS's defaults)."""
    w = _weights(w)
    rating = rating_for(quality)
    if state is None:
        s = max(w[rating - 1], MIN_STABILITY)
        d = _clamp_d(_first_difficulty(rating, w))
    else:
        elapsed = (today - state.last_review).days
        if elapsed < 1:
            s = _same_day_stability(state.stability, rating, w)
        else:
            r = recall(state.stability, elapsed, w)
            s = _next_stability(state.stability, state.difficulty, r, rating, w)
        d = _next_difficulty(state.difficulty, rating, w)
    due = today + timedelta(days=interval_days(s, retention, w))
    return FsrsState(stability=s, difficulty=d, last_review=today, due=due)


def preview_intervals(
    state: FsrsState | None,
    today: date,
    w: Weights | None = None,
    retention: float = 0.9,
) -> dict[int, int]:
    """Grade 0..5 -> the interval in days FSRS would give, for the grade buttons."""
    w = _weights(w)
    return {q: (review(state, q, today, w, retention).due - today).days for q in range(6)}


@dataclass(frozen=True)
class Graded:
    """One logged grade as a replay reads it: its day, quality, whether it was a same-day
    re-ask (logged, not rescheduled) and whether the item was new before it (SM-2's state
    before had never been reviewed: a new item, or one reset, whose memory starts afresh)."""

    day: date
    quality: int
    repeat: bool = False
    fresh: bool = False


def replay(
    log: Iterable[Graded],
    w: Weights | None = None,
    retention: float = 0.9,
) -> FsrsState | None:
    """An item's FSRS state from its logged grades, oldest first: what switching to FSRS
    derives, and what each grade kept in step since then."""
    w = _weights(w)
    state: FsrsState | None = None
    for grade in log:
        if grade.fresh:
            state = None
        if not grade.repeat:
            state = review(state, grade.quality, grade.day, w, retention)
    return state


# -- what the collection keeps of FSRS in its preferences table (bookkeeping, not choices)

TRACKED_KEY = "fsrs_tracked"
""""1" once FSRS's columns were derived from the log (review/fsrs_state.py)."""
PARAMETERS_KEY = "fsrs_parameters"
"""The weights fitted to the learner, 4 decimals each, comma-separated (fits in 200 chars)."""
FITTED_KEY = "fsrs_fitted"
"""When and on how many first grades they were fitted: "YYYY-MM-DD N"."""


def parameters_text(weights: Sequence[float]) -> str:
    """Weights as stored: 4 decimals (every bound is a multiple of 0.001, so rounding
    keeps them within bounds)."""
    return ",".join(f"{w:.4f}" for w in weights)


def with_bookkeeping(settings: Settings, stored: Iterable[tuple[str, str]]) -> Settings:
    """`settings` with what the collection keeps of FSRS: whether its columns are derived,
    and the fitted weights (unusable ones are ignored: FSRS's defaults apply)."""
    values = dict(stored)
    weights: tuple[float, ...] = ()
    if values.get(PARAMETERS_KEY):
        try:
            weights = check_parameters([float(w) for w in values[PARAMETERS_KEY].split(",")])
        except ValueError:
            weights = ()
    return replace(settings, fsrs_tracked=values.get(TRACKED_KEY) == "1", fsrs_parameters=weights)


def fitted_on(stored: Iterable[tuple[str, str]]) -> tuple[date, int] | None:
    """(day, first grades) of the stored fit, or None when FSRS's defaults are in use."""
    values = dict(stored)
    try:
        day, count = values[FITTED_KEY].split()
        check_parameters([float(w) for w in values[PARAMETERS_KEY].split(",")])
        return date.fromisoformat(day), int(count)
    except (KeyError, ValueError):
        return None
