"""Per-day review totals, kept up to date in the same transaction as every grade.

Streaks, reviews per day, retention and the daily limits read this small table (one row
per study day and item kind) instead of scanning a review log of a million rows. Every
grade counts itself in through store/grades.py (statements count_grade, uncount_grade,
regrade_day; `add_to_day` runs the same on a SQLAlchemy connection), and `rebuild`
recomputes the table from the log after bulk loads and imports.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, case, delete, func, insert, literal, select
from sqlalchemy.sql import ColumnElement

from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import rows
from studyapp.store.models import DailyTotal, Review
from studyapp.store.runner import CoreRunner
from studyapp.store.statements import DAY_COUNTS


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


COUNTED = DAY_COUNTS  # the totals' columns after (day, kind), in the order _of_log selects them


def _of_log(where: ColumnElement[bool] | None = None) -> Select[Any]:
    """Each day's totals (day, kind, then COUNTED) from the logged reviews `where` says."""
    passed = case((Review.quality >= 3, 1), else_=0)
    first = case((Review.repeat.is_(False), 1), else_=0)
    learned = Review.repeat.is_(False) & (Review.prev_repetitions > 0)
    young = learned & (Review.prev_interval < rows.MATURE_DAYS)
    mature = learned & (Review.prev_interval >= rows.MATURE_DAYS)
    statement: Select[Any] = select(  # type: ignore[assignment]
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
    )
    if where is not None:
        statement = statement.where(where)
    return statement.group_by(Review.day, Review.kind)


def rebuild(connection: Connection) -> None:
    """Recompute every day's totals from the review log."""
    connection.execute(delete(DailyTotal))
    connection.execute(insert(DailyTotal).from_select(["day", "kind", *COUNTED], _of_log()))


def count_logged(connection: Connection, after_id: int, up_to_id: int) -> None:
    """Add the logged reviews with `after_id < id <= up_to_id` to their days' totals: a
    restore counts each stretch of the log as it goes in, while the rest of the file is
    still being read, where `rebuild` would scan the whole log after it."""
    statement: Any
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement = postgresql_insert(DailyTotal)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(DailyTotal)
    statement = statement.from_select(
        ["day", "kind", *COUNTED], _of_log((Review.id > after_id) & (Review.id <= up_to_id))
    )
    table = DailyTotal.__table__
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "kind"],
            set_={name: table.c[name] + statement.excluded[name] for name in COUNTED},
        )
    )
