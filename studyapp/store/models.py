"""The ORM classes, mapped onto the Core tables of store/schema.py.

The columns are declared once, in schema.py; the annotations here only type the
attributes. The ORM serves the cold paths (imports, sync, restore, admin); the hot
statements are Core, in store/statements.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import DeclarativeBase, Mapped
from sqlalchemy.sql.elements import ColumnElement

from studyapp.store import schema


class Base(DeclarativeBase):
    """Shared metadata for every table (and for Alembic's autogenerate checks)."""

    metadata = schema.metadata


def active_card() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The filter for cards in play (one definition: store/statements.py's ACTIVE_CARD)."""
    from studyapp.store.statements import ACTIVE_CARD

    return ACTIVE_CARD


class Sm2Columns:
    """The SM-2 state as attributes; see studyapp.schedulers.sm2.Sm2State."""

    easiness: Mapped[float]
    repetitions: Mapped[int]
    interval: Mapped[int]
    due: Mapped[date | None]
    lapses: Mapped[int]
    last_review: Mapped[date | None]
    fsrs_stability: Mapped[float | None]
    fsrs_difficulty: Mapped[float | None]
    fsrs_due: Mapped[date | None]


class Deck(Base):
    __table__ = schema.decks

    id: Mapped[str]
    name: Mapped[str]
    description: Mapped[str]
    origin: Mapped[str]
    source_path: Mapped[str | None]
    digest: Mapped[str | None]
    retired: Mapped[bool]


class Card(Sm2Columns, Base):
    __table__ = schema.cards

    id: Mapped[str]
    deck_id: Mapped[str]
    position: Mapped[int]
    front: Mapped[str]
    back: Mapped[str]
    mnemonic: Mapped[str | None]
    why: Mapped[str | None]
    tags: Mapped[str]
    source: Mapped[str | None]
    suspended: Mapped[bool]
    retired: Mapped[bool]
    note_id: Mapped[str | None]
    template: Mapped[str]
    ordinal: Mapped[int | None]
    anki_guid: Mapped[str | None]
    added: Mapped[date | None]


class DrillTopic(Sm2Columns, Base):
    __table__ = schema.drill_topics

    id: Mapped[str]
    title: Mapped[str]
    suspended: Mapped[bool]
    level: Mapped[int]


class Review(Base):
    """One logged grade of a card or a drill topic, with the state before and after."""

    __table__ = schema.reviews

    id: Mapped[int]
    kind: Mapped[str]
    item_id: Mapped[str]
    reviewed_at: Mapped[datetime]
    day: Mapped[date]
    quality: Mapped[int]
    duration_ms: Mapped[int]
    repeat: Mapped[bool]
    prev_easiness: Mapped[float]
    prev_repetitions: Mapped[int]
    prev_interval: Mapped[int]
    prev_due: Mapped[date | None]
    prev_lapses: Mapped[int]
    prev_last_review: Mapped[date | None]
    easiness: Mapped[float]
    repetitions: Mapped[int]
    interval: Mapped[int]
    due: Mapped[date | None]
    lapses: Mapped[int]
    imported: Mapped[bool]
    prev_fsrs_stability: Mapped[float | None]
    prev_fsrs_difficulty: Mapped[float | None]
    prev_fsrs_due: Mapped[date | None]
    cram: Mapped[bool]
    leech: Mapped[int]


class DrillAttempt(Base):
    """One answered (or abandoned) drill problem, with everything needed to show it again."""

    __table__ = schema.drill_attempts

    id: Mapped[int]
    topic_id: Mapped[str]
    seed: Mapped[int]
    difficulty: Mapped[int]
    inputs: Mapped[str]
    expected: Mapped[str]
    typed: Mapped[str]
    outcome: Mapped[str]
    correct: Mapped[bool]
    hint_used: Mapped[bool]
    attempted_at: Mapped[datetime]
    day: Mapped[date]
    duration_ms: Mapped[int]
    review_id: Mapped[int | None]
    level_move: Mapped[int]
    slips: Mapped[str]
    mistakes_before: Mapped[str | None]


class MisconceptionRow(Base):
    """A mistake the learner made, scheduled until it is resolved (review/misconceptions.py)."""

    __table__ = schema.misconceptions

    id: Mapped[str]
    topic_id: Mapped[str]
    seen: Mapped[int]
    first_seen: Mapped[date]
    last_seen: Mapped[date]
    avoided_run: Mapped[int]
    due: Mapped[date | None]
    status: Mapped[str]
    last_attempt: Mapped[int | None]


class DailyTotal(Base):
    """Grades logged per study day and item kind; maintained with every grade."""

    __table__ = schema.daily_totals

    day: Mapped[date]
    kind: Mapped[str]
    reviews: Mapped[int]
    correct: Mapped[int]
    graded: Mapped[int]
    graded_correct: Mapped[int]
    new_seen: Mapped[int]
    duration_ms: Mapped[int]
    young_graded: Mapped[int]
    young_passed: Mapped[int]
    mature_graded: Mapped[int]
    mature_passed: Mapped[int]


class Preference(Base):
    """One learner preference (see studyapp.config.PREFERENCES for the keys)."""

    __table__ = schema.preferences

    key: Mapped[str]
    value: Mapped[str]


class CardOverride(Base):
    """The learner's version of a bundled card (see schema.card_overrides)."""

    __table__ = schema.card_overrides

    card_id: Mapped[str]
    fields: Mapped[str]
    bundled: Mapped[str]
    changed_at: Mapped[datetime]


class CardFlag(Base):
    """A card flagged as wrong or unclear (see schema.card_flags)."""

    __table__ = schema.card_flags

    card_id: Mapped[str]
    kind: Mapped[str]
    note: Mapped[str]
    flagged_at: Mapped[datetime]
