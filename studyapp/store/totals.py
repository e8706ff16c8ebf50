"""Per-day review totals, kept up to date in the same transaction as every grade.

Streaks, reviews per day, retention and the daily limits read this small table (one row
per study day and item kind) instead of scanning a review log of a million rows. Every
writer of `reviews` goes through `add_to_day` (with sign -1 to take a grade back), and
`rebuild` recomputes the table from the log after bulk loads and imports.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, case, delete, func, insert, literal, select, update

from studyapp.store.models import DailyTotal, Review


def add_to_day(
    connection: Connection,
    day: date,
    kind: str,
    quality: int,
    repeat: bool,
    was_new: bool,
    duration_ms: int,
    sign: int = 1,
) -> None:
    """Count one logged grade into its day (sign=-1 removes it again, for undo)."""
    first = 0 if repeat else sign
    passed = sign if quality >= 3 else 0
    values = {
        "reviews": DailyTotal.reviews + sign,
        "correct": DailyTotal.correct + passed,
        "graded": DailyTotal.graded + first,
        "graded_correct": DailyTotal.graded_correct + (first if quality >= 3 else 0),
        "new_seen": DailyTotal.new_seen + (first if was_new else 0),
        "duration_ms": DailyTotal.duration_ms + sign * max(0, duration_ms),
    }
    result = connection.execute(
        update(DailyTotal).where(DailyTotal.day == day, DailyTotal.kind == kind).values(values)
    )
    if result.rowcount == 0 and sign > 0:
        connection.execute(
            insert(DailyTotal).values(
                day=day,
                kind=kind,
                reviews=1,
                correct=int(quality >= 3),
                graded=int(not repeat),
                graded_correct=int(not repeat and quality >= 3),
                new_seen=int(not repeat and was_new),
                duration_ms=max(0, duration_ms),
            )
        )


def regrade(connection: Connection, day: date, kind: str, old: int, new: int, repeat: bool) -> None:
    """A logged grade changed from `old` to `new` quality (a drill grade override)."""
    delta = int(new >= 3) - int(old >= 3)
    if delta:
        connection.execute(
            update(DailyTotal)
            .where(DailyTotal.day == day, DailyTotal.kind == kind)
            .values(
                correct=DailyTotal.correct + delta,
                graded_correct=DailyTotal.graded_correct + (0 if repeat else delta),
            )
        )


def rebuild(connection: Connection) -> None:
    """Recompute every day's totals from the review log."""
    passed = case((Review.quality >= 3, 1), else_=0)
    first = case((Review.repeat.is_(False), 1), else_=0)
    connection.execute(delete(DailyTotal))
    connection.execute(
        insert(DailyTotal).from_select(
            [
                "day", "kind", "reviews", "correct", "graded", "graded_correct", "new_seen",
                "duration_ms",
            ],
            select(
                Review.day,
                Review.kind,
                func.count(),
                func.sum(passed),
                func.sum(first),
                func.sum(case((Review.repeat.is_(False) & (Review.quality >= 3), 1), else_=0)),
                func.sum(
                    case((Review.repeat.is_(False) & Review.prev_due.is_(None), 1), else_=0)
                ),
                func.coalesce(func.sum(Review.duration_ms), literal(0)),
            ).group_by(Review.day, Review.kind),
        )
    )
