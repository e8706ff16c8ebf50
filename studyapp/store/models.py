"""The database tables, as SQLAlchemy 2 typed models.

Cards and drill topics both carry an SM-2 state (the same five columns plus the last
review day). Every grade is appended to `reviews` with the state before and after, so
undo can restore the exact previous state and exports can show the whole history.
Dates are study days (the day rolls over at the configured hour); see store/types.py
for the compact encodings of days, moments and easiness.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from studyapp.store.types import Day, Ease, Instant


class Base(DeclarativeBase):
    """Shared metadata for every table (and for Alembic's autogenerate checks)."""


class Sm2Columns:
    """The SM-2 state as columns; see studyapp.review.sm2.Sm2State."""

    easiness: Mapped[float] = mapped_column(Ease, default=2.5, server_default=text("250"))
    repetitions: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    interval: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    due: Mapped[date | None] = mapped_column(Day, nullable=True)
    lapses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_review: Mapped[date | None] = mapped_column(Day, nullable=True)


def active_card() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The filter for cards in play. Written `= false` (not `IS false`) so that SQLite can
    use the partial indexes below, whose WHERE clauses say `suspended = 0 AND retired = 0`."""
    return (Card.suspended == false(), Card.retired == false())


class Deck(Base):
    __tablename__ = "decks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20), default="bundled")  # bundled | import
    source_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Card(Sm2Columns, Base):
    __tablename__ = "cards"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    deck_id: Mapped[str] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in which new cards appear
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    mnemonic: Mapped[str | None] = mapped_column(Text, nullable=True)
    why: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # Home counts, the queue, the forecast and maturity read only active cards: due ones
        # by date, new ones by position or deck. Partial covering indexes answer them all
        # without touching the table. The migrations create the same partial indexes on
        # PostgreSQL (postgresql_where); naming that keyword here would load SQLAlchemy's
        # PostgreSQL dialect at every start-up (~40 ms) for nothing on SQLite.
        Index(
            "ix_cards_due",
            "due",
            "position",
            "deck_id",
            "repetitions",
            "interval",
            sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NOT NULL"),
        ),
        Index(
            "ix_cards_new_by_deck",
            "deck_id",
            sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NULL"),
        ),
        Index(
            "ix_cards_new",
            "position",
            sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NULL"),
        ),
    )


class DrillTopic(Sm2Columns, Base):
    __tablename__ = "drill_topics"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Review(Base):
    """One logged grade of a card or a drill topic, with the state before and after."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # card | topic
    item_id: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(Instant)
    day: Mapped[date] = mapped_column(Day)  # the study day, after the rollover hour
    quality: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)  # same-day re-ask: no reschedule
    prev_easiness: Mapped[float] = mapped_column(Ease)
    prev_repetitions: Mapped[int] = mapped_column(Integer)
    prev_interval: Mapped[int] = mapped_column(Integer)
    prev_due: Mapped[date | None] = mapped_column(Day, nullable=True)
    prev_lapses: Mapped[int] = mapped_column(Integer)
    prev_last_review: Mapped[date | None] = mapped_column(Day, nullable=True)
    easiness: Mapped[float] = mapped_column(Ease)
    repetitions: Mapped[int] = mapped_column(Integer)
    interval: Mapped[int] = mapped_column(Integer)
    due: Mapped[date | None] = mapped_column(Day, nullable=True)
    lapses: Mapped[int] = mapped_column(Integer)

    # No secondary index: per-day aggregates come from `daily_totals` (store/totals.py),
    # which keeps the log — the one table that grows without bound — as small as it can be.


class DrillAttempt(Base):
    """One answered (or abandoned) drill problem, with everything needed to show it again."""

    __tablename__ = "drill_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_id: Mapped[str] = mapped_column(String(100))
    seed: Mapped[int] = mapped_column(BigInteger)
    difficulty: Mapped[int] = mapped_column(Integer, default=1)
    inputs: Mapped[str] = mapped_column(Text)  # JSON
    expected: Mapped[str] = mapped_column(Text)  # JSON
    typed: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))  # correct | wrong | gave_up
    correct: Mapped[bool] = mapped_column(Boolean)
    hint_used: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[datetime] = mapped_column(Instant)
    day: Mapped[date] = mapped_column(Day)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL"), nullable=True
    )

    __table_args__ = (Index("ix_drill_attempts_topic_day", "topic_id", "day"),)


class DailyTotal(Base):
    """Grades logged per study day and item kind; maintained with every grade."""

    __tablename__ = "daily_totals"

    day: Mapped[date] = mapped_column(Day, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)  # every logged grade
    correct: Mapped[int] = mapped_column(Integer, default=0)  # of those, quality >= 3
    graded: Mapped[int] = mapped_column(Integer, default=0)  # first grades (not repeats)
    graded_correct: Mapped[int] = mapped_column(Integer, default=0)
    new_seen: Mapped[int] = mapped_column(Integer, default=0)  # first grades of new items
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class Preference(Base):
    """One learner preference (see studyapp.config.PREFERENCES for the keys)."""

    __tablename__ = "preferences"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
