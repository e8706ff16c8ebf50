"""Per-day review totals, kept up to date in the same transaction as every grade.

Streaks, reviews per day, retention and the daily limits read this small table (one row
per study day and item kind) instead of scanning a review log of a million rows. Every
writer of `reviews` goes through `count_grade` (plain SQL) or `add_to_day` (a SQLAlchemy
connection; sign -1 takes a grade back), and `rebuild` recomputes the table from the log
after bulk loads and imports.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, bindparam, case, delete, func, insert, literal, select, update

from studyapp.store.models import DailyTotal, Review
from studyapp.store.plain import PlainSql, SqlAlchemySql

_COUNTS = ("reviews", "correct", "graded", "graded_correct", "new_seen", "duration_ms")
# Built once with bound parameters: this runs inside every grade's transaction.
_BUMP = (
    update(DailyTotal)
    .where(DailyTotal.day == bindparam("at_day", type_=DailyTotal.day.type))
    .where(DailyTotal.kind == bindparam("of_kind"))
    .values({name: getattr(DailyTotal, name) + bindparam(f"d_{name}") for name in _COUNTS})
)


def _deltas(quality: int, repeat: bool, was_new: bool, duration_ms: int) -> dict[str, int]:
    """What one logged grade adds to each count of its day."""
    first = 0 if repeat else 1
    passed = int(quality >= 3)
    return {
        "reviews": 1,
        "correct": passed,
        "graded": first,
        "graded_correct": first * passed,
        "new_seen": first * int(was_new),
        "duration_ms": max(0, duration_ms),
    }


# One statement on both SQLite and PostgreSQL: insert the day's row, or add to it.
_COUNT_GRADE = (
    f"INSERT INTO daily_totals (day, kind, {', '.join(_COUNTS)}) "
    f"VALUES (:day, :kind, {', '.join(':' + name for name in _COUNTS)}) "
    "ON CONFLICT (day, kind) DO UPDATE SET "
    + ", ".join(f"{name} = daily_totals.{name} + excluded.{name}" for name in _COUNTS)
)


def count_grade(
    sql: PlainSql, day: date, kind: str, quality: int, repeat: bool, was_new: bool, duration_ms: int
) -> None:
    """Count one logged grade into its day, in the grade's own transaction."""
    deltas = _deltas(quality, repeat, was_new, duration_ms)
    sql.run(_COUNT_GRADE, {"day": day.toordinal(), "kind": kind, **deltas})


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
    if sign > 0:
        count_grade(SqlAlchemySql(connection), day, kind, quality, repeat, was_new, duration_ms)
        return
    deltas = _deltas(quality, repeat, was_new, duration_ms)
    params = {f"d_{name}": sign * value for name, value in deltas.items()}
    connection.execute(_BUMP, {"at_day": day, "of_kind": kind, **params})


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
