"""Per-topic levels: when a drill topic moves up to bigger problems or back to smaller ones.

Pure: the store calls `level_after` inside the grade's transaction, with the topic's level
before and its latest attempts, so the level and the grade that moved it never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

MIN_LEVEL, MAX_LEVEL = 1, 3

CLEAN_RUN = 2
"""Clean passes in a row that move a topic up. One could be a lucky instance; two fresh
random instances solved cleanly show the method is held. More would keep a learner who has
it on hand-sized numbers for days, since a topic comes back only when SM-2 says so."""

CLEAN = 5
"""The grade of a clean pass: right, first try, no hint (or the learner's own 5)."""


class Past(NamedTuple):
    """An earlier attempt of the topic, newest first: the level it was given at, its
    grade (after any override) and how it moved the level (+1, -1 or 0)."""

    difficulty: int
    quality: int
    move: int


def level_after(
    level: int, given_at: int, quality: int, repeat: bool, recent: Sequence[Past]
) -> int:
    """The topic's level after a graded attempt.

    Only a problem given at the topic's own level counts. A clean pass that completes a
    run of CLEAN_RUN (earlier passes at this level, none of which moved it) goes up one;
    a lapse (grade below 3) on a first grade goes down one — a same-day repeat is practice
    after a miss and never drops it. The learner's override takes the derived grade's place.
    """
    if given_at != level:
        return level
    if quality < 3 and not repeat:
        return max(MIN_LEVEL, level - 1)
    if quality < CLEAN:
        return level
    run = 1
    for past in recent:
        if run >= CLEAN_RUN or past.difficulty != level or past.quality < CLEAN or past.move:
            break
        run += 1
    return min(MAX_LEVEL, level + 1) if run >= CLEAN_RUN else level


def level_note(before: int, after: int) -> str:
    """What the drill screen says when a level changes."""
    if after > before:
        return f"Up to level {after} — bigger numbers next time"
    return f"Back to level {after}"
