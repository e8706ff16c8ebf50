"""Compact column types: the review log is the one table that grows without bound.

A study day is stored as its proleptic ordinal (3 bytes in SQLite instead of a 10-byte
ISO string), a moment as milliseconds since the Unix epoch in UTC (6 bytes instead of 26),
and an SM-2 easiness as whole hundredths (EF moves in steps of 0.02, so this is exact).
Python code sees `date`, aware `datetime` and `float` as usual.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer, SmallInteger
from sqlalchemy.types import TypeDecorator

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The stored forms, and back: also used directly with the plain SQL of store/plain.py.
def day_value(value: date | datetime | None) -> int | None:
    """A day as its ordinal (a moment counts as its calendar date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return int(value.toordinal())


def instant_value(value: datetime) -> int:
    """A moment as whole milliseconds since 1970-01-01 UTC (a naive moment is UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elapsed: timedelta = value - EPOCH
    return round(elapsed.total_seconds() * 1000)


def ease_value(value: float) -> int:
    """An easiness factor as whole hundredths."""
    return round(float(value) * 100)


def day_from_value(value: Any) -> date | None:
    return None if value is None else date.fromordinal(int(value))


def ease_from_value(value: Any) -> float | None:
    return None if value is None else int(value) / 100


class Day(TypeDecorator[date]):
    """A calendar date as `date.toordinal()`."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return day_value(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        return day_from_value(value)


class Instant(TypeDecorator[datetime]):
    """An aware moment as integer milliseconds since 1970-01-01 UTC (naive = UTC)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else instant_value(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


class Ease(TypeDecorator[float]):
    """An SM-2 easiness factor as whole hundredths (2.36 is stored as 236)."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else ease_value(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        return ease_from_value(value)
