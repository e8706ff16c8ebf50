"""SM-2 spaced repetition as pure functions: ``(state, quality, today) -> new state``.

Flashcards and drill topics share this scheduler. It follows the SM-2 algorithm as
P. Woźniak published it in 1990 for SuperMemo 2; each rule below cites the sentence of
that text it implements.

Intervals. The text fixes the first two and multiplies after that:
``I(1) := 1``, ``I(2) := 6``, ``for n > 2: I(n) := I(n-1) * EF``, and
"If interval is a fraction, round it up to the nearest integer". So the interval is
1 day when n = 0, 6 days when n = 1, and ceil(I * EF') days otherwise.

Easiness. After every grade q in 0..5 the text computes
``EF' := EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))`` and adds
"If EF is less than 1.3 then let EF be 1.3". Per grade 5..0 the change is
+0.10, 0, -0.14, -0.32, -0.54, -0.80: every step is a whole number of 0.02, so we keep
EF in integer hundredths and never let floating-point error pile up. The product
I * EF' is then rounded up with integer arithmetic, which is why 6 days at EF' = 3.0
gives 18 days, not the 19 that ``ceil(6 * 3.0000000000000004)`` would give.

Failures. "If the quality response was lower than 3 then start repetitions for the
item from the beginning without changing the E-Factor (i.e. use intervals I(1), I(2)
etc. as if the item was memorized anew)". A grade of 0, 1 or 2 sets n = 0 and
I = 1 and leaves EF where it was.

Same day. "After each repetition session of a given day repeat again all items that
scored below four in the quality assessment. Continue the repetitions until all of
these items score at least four." ``needs_repeat_today`` answers that question; the
session (``study.py``) re-asks such items and logs those answers without passing them
through ``review`` again, so a re-ask never reschedules the item a second time.

Two readings. Published implementations disagree on (a) whether a failing grade
still moves EF and (b) whether the interval multiplies the old EF or the new one. We
follow the text as quoted above, as the ``sm-2`` package of the open-spaced-repetition
group does: EF is untouched by a failure, and a pass first updates EF, then multiplies
the previous interval by the updated EF'.

Our additions, which the text does not cover: ``lapses`` counts failures of an item
that had been learned, meaning its repetition count was above zero before the failing
grade (failing a brand-new or just-reset item is not a lapse, so the count says how
often something known was forgotten); ``due`` is today plus the interval;
``last_review`` is today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "INITIAL_EASINESS",
    "MIN_EASINESS",
    "QUALITY_LABELS",
    "Sm2State",
    "is_passing",
    "needs_repeat_today",
    "preview_intervals",
    "review",
]

INITIAL_EASINESS = 2.5
MIN_EASINESS = 1.3
MAX_INTERVAL = 36_500
"""Longest interval in days (100 years, Anki's default maximum). SM-2 itself has no cap;
without one, enough perfect grades would push the due date past the year 9999."""

_MIN_HUNDREDTHS = 130
_PASS = 3  # lowest grade that counts as recalled
_SAME_DAY_DONE = 4  # lowest grade that ends same-day repeats
_GRADES = range(0, 6)

QUALITY_LABELS: dict[int, str] = {
    0: "blackout",
    1: "wrong, familiar once shown",
    2: "wrong, felt close",
    3: "right, hard",
    4: "right, some hesitation",
    5: "right, instant",
}


@dataclass(frozen=True)
class Sm2State:
    """One item's schedule. A new item is ``Sm2State()``: EF 2.5, n 0, I 0, no due date.

    easiness     EF, at least 1.3; on the grid 2.5 + k * 0.02, held to 2 decimals
    repetitions  n, successful reviews in a row since the item was new or last failed
    interval     I, days from the last review to ``due``
    lapses       failures of the item after it had been learned
    """

    easiness: float = INITIAL_EASINESS
    repetitions: int = 0
    interval: int = 0
    due: date | None = None
    lapses: int = 0
    last_review: date | None = None


def _check_quality(quality: object) -> int:
    """Return the grade if it is an int in 0..5; raise ValueError otherwise (bools included)."""
    if isinstance(quality, bool) or not isinstance(quality, int):
        raise ValueError(
            f"SM-2 quality must be an int from 0 to 5, got {quality!r} "
            f"of type {type(quality).__name__}"
        )
    if quality not in _GRADES:
        raise ValueError(f"SM-2 quality must be from 0 to 5, got {quality}")
    return quality


def _easiness_delta(quality: int) -> int:
    """0.1 - (5 - q)(0.08 + (5 - q) * 0.02), in hundredths.

    That is +10, 0, -14, -32, -54, -80 for q = 5..0.
    """
    miss = 5 - quality
    return 10 - miss * (8 + miss * 2)


def _to_hundredths(easiness: float) -> int:
    """EF as a whole number of hundredths; absorbs float noise such as 2.9000000000000004."""
    return round(easiness * 100)


def _next(state: Sm2State, quality: int) -> tuple[int, int, int, int]:
    """The (EF in hundredths, n, I, lapses) that ``quality`` leads to from ``state``."""
    ef = _to_hundredths(state.easiness)
    n = state.repetitions
    if quality < _PASS:
        lapses = state.lapses + 1 if n > 0 else state.lapses
        return ef, 0, 1, lapses
    ef = max(_MIN_HUNDREDTHS, ef + _easiness_delta(quality))
    if n == 0:
        interval = 1
    elif n == 1:
        interval = 6
    else:
        # ceil(I * ef / 100) in integers; the floor of 1 day only matters for a
        # malformed stored state (n >= 2 with I = 0), which would otherwise stay due today.
        interval = max(1, -(-state.interval * ef // 100))
    return ef, n + 1, min(interval, MAX_INTERVAL), state.lapses


def review(state: Sm2State, quality: int, today: date) -> Sm2State:
    """The state after grading the item ``quality`` (0..5) on ``today``.

    Raises ValueError when ``quality`` is not an int from 0 to 5.
    """
    ef, n, interval, lapses = _next(state, _check_quality(quality))
    return Sm2State(
        easiness=round(ef / 100, 2),
        repetitions=n,
        interval=interval,
        due=today + timedelta(days=interval),
        lapses=lapses,
        last_review=today,
    )


def preview_intervals(state: Sm2State) -> dict[int, int]:
    """Grade 0..5 -> the interval in days that grade would give, for the grade buttons."""
    return {q: _next(state, q)[2] for q in _GRADES}


def is_passing(quality: int) -> bool:
    """True for grades 3..5, which SM-2 counts as recalled."""
    return _check_quality(quality) >= _PASS


def needs_repeat_today(quality: int) -> bool:
    """True for grades 0..3: SM-2 asks the item again today until it scores 4 or 5."""
    return _check_quality(quality) < _SAME_DAY_DONE
