"""Per-day review totals, kept up to date in the same transaction as every grade.

Streaks, reviews per day, retention and the daily limits read this small table (one row
per study day and item kind) instead of scanning a review log of a million rows. Every
grade counts itself in through store/grades.py (statements count_grade, uncount_grade,
regrade_day; `add_to_day` runs the same on a SQLAlchemy connection), and `rebuild`
recomputes the table from the log after bulk loads and imports.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, case, delete, func, insert, literal, select

from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import rows
from studyapp.store.models import DailyTotal, Review
from studyapp.store.runner import CoreRunner


def add_to_day(
    connection: Connection,
    day: date,
    kind: str,
    quality: int,
    repeat: bool,
    before: Sm2State,
    duration_ms: int,
    sign: int = 1,
) -> None:
    """Count one logged grade, made from the state `before`, into its day (sign=-1 takes
    it out again), on a SQLAlchemy connection: the statements count_grade and
    uncount_grade of the grades' own path."""
    counts = rows.day_count_params(day, kind, quality, repeat, before, duration_ms)
    runner = CoreRunner(connection)
    if sign > 0:
        runner.run("count_grade", counts)
        return
    at_day, of_kind = counts.pop("day"), counts.pop("kind")
    deltas = {f"d_{name}": value for name, value in counts.items()}
    runner.run("uncount_grade", {"at_day": at_day, "of_kind": of_kind, **deltas})


def rebuild(connection: Connection) -> None:
    """Recompute every day's totals from the review log."""
    passed = case((Review.quality >= 3, 1), else_=0)
    first = case((Review.repeat.is_(False), 1), else_=0)
    learned = Review.repeat.is_(False) & (Review.prev_repetitions > 0)
    young = learned & (Review.prev_interval < rows.MATURE_DAYS)
    mature = learned & (Review.prev_interval >= rows.MATURE_DAYS)
    connection.execute(delete(DailyTotal))
    connection.execute(
        insert(DailyTotal).from_select(
            [
                "day",
                "kind",
                "reviews",
                "correct",
                "graded",
                "graded_correct",
                "new_seen",
                "duration_ms",
                "young_graded",
                "young_passed",
                "mature_graded",
                "mature_passed",
            ],
            select(
                Review.day,
                Review.kind,
                func.count(),
                func.sum(passed),
                func.sum(first),
                func.sum(case((Review.repeat.is_(False) & (Review.quality >= 3), 1), else_=0)),
                func.sum(case((Review.repeat.is_(False) & Review.prev_due.is_(None), 1), else_=0)),
                func.coalesce(func.sum(Review.duration_ms), literal(0)),
                func.sum(case((young, 1), else_=0)),
                func.sum(case((young & (Review.quality >= 3), 1), else_=0)),
                func.sum(case((mature, 1), else_=0)),
                func.sum(case((mature & (Review.quality >= 3), 1), else_=0)),
            ).group_by(Review.day, Review.kind),
        )
    )
