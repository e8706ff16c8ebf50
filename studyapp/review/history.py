"""A card's review history as browse's card view shows it: each grade with its day, the
time taken and the interval before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from studyapp.store import Database


@dataclass(frozen=True)
class HistoryEntry:
    """One logged grade of a card."""

    reviewed_at: datetime  # UTC
    day: date  # the study day it counted for
    quality: int
    seconds: float
    repeat: bool  # a same-day re-ask, which does not reschedule
    interval_before: int
    interval_after: int
    imported: bool  # a row of an Anki review log


def card_history(db: Database, card_id: str) -> list[HistoryEntry]:
    """Every logged grade of `card_id`, oldest first (statement card_history)."""
    with db.reading() as reader:
        found = reader.all("card_history", {"card_id": card_id})
    return [
        HistoryEntry(
            reviewed_at=datetime.fromtimestamp(at / 1000, UTC),
            day=date.fromordinal(day),
            quality=quality,
            seconds=duration / 1000,
            repeat=bool(repeat),
            interval_before=before,
            interval_after=after,
            imported=bool(imported),
        )
        for at, day, quality, duration, repeat, before, after, imported in found
    ]
