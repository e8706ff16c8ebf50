"""What every grade of a session shares: the SM-2 move it makes, the checks, the time caps."""

from __future__ import annotations

from datetime import date

from studyapp.config import Settings
from studyapp.schedulers import fsrs
from studyapp.schedulers.sm2 import review
from studyapp.store import grades

MAX_CARD_MS = 60_000
"""A card's answer time counts at most 60 s (Anki's default cap): a learner who walks away
mid-card should not turn an afternoon into one review's duration."""
MAX_DRILL_MS = 15 * 60_000
"""A drill is real work, so its cap is 15 minutes."""


def schedule_for(quality: int, today: date, repeat: bool) -> grades.Schedule:
    """How a grade moves an item's state (for store.grades): by SM-2, except that a
    same-day repeat is logged without rescheduling."""
    if repeat:
        return lambda before: before
    return lambda before: review(before, quality, today)


def fsrs_step_for(settings: Settings, quality: int, today: date) -> grades.FsrsStep | None:
    """How a first grade moves an item's FSRS state, once FSRS's columns are derived
    (`settings.fsrs_tracked`), whichever scheduler is active: so that switching back and
    forth needs no new replay. None before that: an SM-2 learner pays nothing for FSRS."""
    if not settings.fsrs_tracked:
        return None
    weights, retention = settings.fsrs_parameters, settings.desired_retention
    return lambda before: fsrs.review(before, quality, today, weights, retention)


def check_quality(quality: int) -> int:
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"a grade is a whole number from 0 to 5, not {quality!r}")
    return quality
