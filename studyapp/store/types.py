"""Compact column types: the review log is the one table that grows without bound.

A study day is stored as its proleptic ordinal (3 bytes in SQLite instead of a 10-byte
ISO string), a moment as milliseconds since the Unix epoch in UTC (6 bytes instead of 26),
and an SM-2 easiness as whole hundredths (EF moves in steps of 0.02, so this is exact).
Python code sees `date`, aware `datetime` and `float` as usual.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer, SmallInteger
from sqlalchemy.types import TypeDecorator

from studyapp.store.rows import (
    day_from_value,
    day_value,
    ease_from_value,
    ease_value,
    instant_value,
)


# The stored forms, and back, are store/rows.py's (the one module that converts).
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
