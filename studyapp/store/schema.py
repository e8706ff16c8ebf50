"""The schema, as SQLAlchemy Core tables on one MetaData.

The ORM classes of store/models.py are mapped onto these tables, and the hot statements of
store/statements.py are written against them, so each column is declared once. Cards and
drill topics both carry an SM-2 state (the same five columns plus the last review day).
Every grade is appended to `reviews` with the state before and after, so undo can restore
the exact previous state and exports can show the whole history. Dates are study days (the
day rolls over at the configured hour); see store/types.py for the compact encodings of
days, moments and easiness.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    func,
    select,
    text,
)

from studyapp.store.types import Day, Ease, Instant

metadata = MetaData()

SM2_COLUMNS = ("easiness", "repetitions", "interval", "due", "lapses", "last_review")
"""The stored SM-2 state, in studyapp.schedulers.sm2.Sm2State's field order."""


def _sm2_columns() -> list[Column[object]]:
    """The SM-2 state as columns (a fresh set per table)."""
    return [
        Column("easiness", Ease, nullable=False, default=2.5, server_default=text("250")),
        Column("repetitions", Integer, nullable=False, default=0, server_default=text("0")),
        Column("interval", Integer, nullable=False, default=0, server_default=text("0")),
        Column("due", Day, nullable=True),
        Column("lapses", Integer, nullable=False, default=0, server_default=text("0")),
        Column("last_review", Day, nullable=True),
    ]


FSRS_COLUMNS = ("fsrs_stability", "fsrs_difficulty", "fsrs_due")
"""FSRS's stored state (its last review is SM-2's `last_review`, the same day): NULL until a
replay derives it (schedulers/fsrs.py, review/fsrs_state.py); migration 0009."""


def _fsrs_columns(prefix: str = "") -> list[Column[object]]:
    """FSRS's state as nullable columns (a fresh set per table)."""
    return [
        Column(f"{prefix}fsrs_stability", Double, nullable=True),
        Column(f"{prefix}fsrs_difficulty", Double, nullable=True),
        Column(f"{prefix}fsrs_due", Day, nullable=True),
    ]


def _flag(name: str) -> Column[bool]:
    return Column(name, Boolean, nullable=False, default=False, server_default=false())


decks = Table(
    "decks",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("origin", String(20), nullable=False, default="bundled"),  # bundled | import | own
    Column("source_path", Text, nullable=True),
    Column("digest", String(64), nullable=True),
    _flag("retired"),
)

cards = Table(
    "cards",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("deck_id", ForeignKey("decks.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False, default=0),  # order in which new cards appear
    Column("front", Text, nullable=False),
    Column("back", Text, nullable=False),
    Column("mnemonic", Text, nullable=True),
    Column("why", Text, nullable=True),
    Column("tags", Text, nullable=False, default=""),  # space-separated
    Column("source", String(200), nullable=True),
    _flag("suspended"),
    _flag("retired"),
    *_sm2_columns(),
    # Note siblings (issue 14): cards of one note (a reversed pair, the gaps of a cloze)
    # share `note_id` (NULL: the card is its own note); `template` says how the card asks
    # (basic | reverse | cloze), `ordinal` which cloze number it hides, and `anki_guid`
    # the Anki note it came from or went out as, so a re-import matches it either way.
    Column("note_id", String(100), nullable=True),
    Column("template", String(10), nullable=False, default="basic", server_default=text("'basic'")),
    Column("ordinal", SmallInteger, nullable=True),
    Column("anki_guid", String(100), nullable=True, index=True),
    *_fsrs_columns(),
    # The study day the card entered the collection (browse sorts by it; migration 0010).
    # Every insert path sets it; the default is the calendar day, for any other writer.
    Column("added", Day, nullable=True, default=date.today),
    # Home counts, the queue, the forecast and maturity read only active cards: due ones
    # by date, new ones by position or by deck in file order, seen ones by deck. Partial
    # covering indexes answer them all without touching the table. The migrations create
    # the same partial indexes on PostgreSQL (postgresql_where); naming that keyword here
    # would load SQLAlchemy's PostgreSQL dialect at every start-up (~40 ms) for nothing on
    # SQLite. PostgreSQL alone also has ix_cards_due_by_deck and ix_cards_fsrs_due_by_deck
    # (migration 0013): its home counts per deck are a seek per deck (statements.py).
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
        "position",
        sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NULL"),
    ),
    Index(  # the stats' mastery per deck: read in deck order, no sort, no table
        "ix_cards_seen_by_deck",
        "deck_id",
        "repetitions",
        "interval",
        "lapses",
        sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NOT NULL"),
    ),
    Index(  # FSRS's due counts and queue, as ix_cards_due answers SM-2's
        "ix_cards_fsrs_due",
        "fsrs_due",
        "position",
        "deck_id",
        sqlite_where=text("suspended = 0 AND retired = 0 AND fsrs_due IS NOT NULL"),
    ),
    Index(
        "ix_cards_new",
        "position",
        sqlite_where=text("suspended = 0 AND retired = 0 AND due IS NULL"),
    ),
    Index(  # home's leech count (statement leech_count, the same WHERE): only the leeches
        "ix_cards_leech",
        "id",
        sqlite_where=text("retired = 0 AND (' ' || tags || ' ') LIKE '% leech %'"),
    ),
)

CARDS_FTS = "cards_fts"
"""SQLite's FTS5 index over cards' front, back and tags (migration 0010; store/card_search.py
queries it). External content keyed on the cards' rowid and kept by triggers: a migration
that rebuilds `cards` (batch_alter_table) must recreate the triggers and rebuild the index.
It is no Table here: `compare_metadata` skips it and its shadow tables (FTS_TABLES)."""
FTS_TABLES = frozenset(
    {CARDS_FTS, *(f"{CARDS_FTS}_{part}" for part in ("data", "idx", "docsize", "config"))}
)

drill_topics = Table(
    "drill_topics",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", Text, nullable=False, default=""),
    _flag("suspended"),
    *_sm2_columns(),
    # 1 by hand, 2-3 more decimals and bigger shapes (drills/base.py); review/levels.py
    # moves it. Server default only: the compiled insert_topic leaves it out.
    Column("level", Integer, nullable=False, server_default=text("1")),
    *_fsrs_columns(),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # card | topic
    Column("item_id", String(100), nullable=False),
    Column("reviewed_at", Instant, nullable=False),
    Column("day", Day, nullable=False),  # the study day, after the rollover hour
    Column("quality", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False, default=0),
    Column("repeat", Boolean, nullable=False, default=False),  # same-day re-ask: no reschedule
    Column("prev_easiness", Ease, nullable=False),
    Column("prev_repetitions", Integer, nullable=False),
    Column("prev_interval", Integer, nullable=False),
    Column("prev_due", Day, nullable=True),
    Column("prev_lapses", Integer, nullable=False),
    Column("prev_last_review", Day, nullable=True),
    Column("easiness", Ease, nullable=False),
    Column("repetitions", Integer, nullable=False),
    Column("interval", Integer, nullable=False),
    Column("due", Day, nullable=True),
    Column("lapses", Integer, nullable=False),
    # A row of an Anki review log, not a grade given here. Server default only: the hot
    # insert of a grade leaves it out and the database writes false.
    Column("imported", Boolean, nullable=False, server_default=false()),
    # FSRS's state before the grade, for an exact undo (NULL: FSRS was not kept then;
    # stability 0: the item had no FSRS state). Migration 0009.
    *_fsrs_columns("prev_"),
    # Custom study (migration 0010): `cram` marks a grade of a cram session that left the
    # schedule alone (it is logged as a repeat too, so retention, daily limits and FSRS's
    # replay skip it); `leech` what the grade did to make its card a leech (bit 1: tagged
    # it `leech`, bit 2: suspended it), so that undoing the grade takes that back too.
    Column("cram", Boolean, nullable=False, server_default=false()),
    Column("leech", SmallInteger, nullable=False, server_default=text("0")),
    # No secondary index: per-day aggregates come from `daily_totals`, which keeps the
    # log — the one table that grows without bound — as small as it can be.
)

drill_attempts = Table(
    "drill_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic_id", String(100), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("difficulty", Integer, nullable=False, default=1),
    Column("inputs", Text, nullable=False),  # JSON
    Column("expected", Text, nullable=False),  # JSON
    Column("typed", Text, nullable=False, default=""),
    Column("outcome", String(20), nullable=False),  # correct | wrong | gave_up
    Column("correct", Boolean, nullable=False),
    Column("hint_used", Boolean, nullable=False, default=False),
    Column("attempted_at", Instant, nullable=False),
    Column("day", Day, nullable=False),
    Column("duration_ms", Integer, nullable=False, default=0),
    Column("review_id", ForeignKey("reviews.id", ondelete="SET NULL"), nullable=True),
    # How this attempt moved its topic's level (+1, -1 or 0): what undo and an override
    # take back, and where a run of clean passes at a level starts.
    Column("level_move", Integer, nullable=False, server_default=text("0")),
    # The known slips the grading named, by checkpoint: JSON {"a1": "sigmoid.exponent_sign"}
    # ({"answer": id} for a one-line answer), "{}" when none.
    Column("slips", Text, nullable=False, server_default=text("'{}'")),
    # The misconceptions rows this attempt changed, as they were before it (JSON {id: row
    # or null for a row it created}; NULL when it changed none): what undo puts back.
    Column("mistakes_before", Text, nullable=True),
    Index("ix_drill_attempts_topic_day", "topic_id", "day"),
)

misconceptions = Table(
    "misconceptions",
    metadata,
    # A known slip the learner made (drills/mistakes.py's id), scheduled in its own right
    # until it is avoided often enough: review/misconceptions.py holds the rules.
    Column("id", String(100), primary_key=True),
    Column("topic_id", String(100), nullable=False),  # where it was last made
    Column("seen", Integer, nullable=False),
    Column("first_seen", Day, nullable=False),
    Column("last_seen", Day, nullable=False),
    Column("avoided_run", Integer, nullable=False),  # counted avoidances since last made
    Column("due", Day, nullable=True),  # NULL once resolved
    Column("status", String(10), nullable=False),  # active | resolved
    # The drill attempt that last changed the row: undo takes an attempt back only while
    # it is still the row's latest change.
    Column("last_attempt", Integer, nullable=True),
)

daily_totals = Table(
    "daily_totals",
    metadata,
    Column("day", Day, primary_key=True),
    Column("kind", String(10), primary_key=True),
    Column("reviews", Integer, nullable=False, default=0),  # every logged grade
    Column("correct", Integer, nullable=False, default=0),  # of those, quality >= 3
    Column("graded", Integer, nullable=False, default=0),  # first grades (not repeats)
    Column("graded_correct", Integer, nullable=False, default=0),
    Column("new_seen", Integer, nullable=False, default=0),  # first grades of new items
    Column("duration_ms", BigInteger, nullable=False, default=0),
    # True retention: first grades of cards already learned (passed at their last grade),
    # young (interval under 21 days before the grade) and mature apart; see rows.py.
    *(
        Column(name, Integer, nullable=False, default=0, server_default=text("0"))
        for name in ("young_graded", "young_passed", "mature_graded", "mature_passed")
    ),
)

preferences = Table(
    "preferences",
    metadata,
    Column("key", String(50), primary_key=True),  # see studyapp.config.PREFERENCES
    Column("value", String(200), nullable=False),
)


card_overrides = Table(
    "card_overrides",
    metadata,
    # The learner's version of a bundled card (migration 0010): `fields` holds only the
    # fields they changed (JSON {"front": ..., "tags": "a b"}), `bundled` the bundled deck's
    # current text of every field (JSON), kept up to date by each sync so that a revert
    # goes back to the bundled text of today, not of the day of the edit.
    Column("card_id", ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("fields", Text, nullable=False),
    Column("bundled", Text, nullable=False),
    Column("changed_at", Instant, nullable=False),
)

card_flags = Table(
    "card_flags",
    metadata,
    # A card the learner marked as wrong or unclear, with their note (migration 0010): one
    # open flag per card, listed by `studyapp flags` for whoever maintains the decks.
    Column("card_id", ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(10), nullable=False),  # wrong | unclear
    Column("note", Text, nullable=False, default=""),
    Column("flagged_at", Instant, nullable=False),
)


def move_id_sequences(connection: Connection) -> None:
    """After rows were inserted with their own ids (a restore), move PostgreSQL's id
    sequences past them; SQLite needs nothing (its next rowid is the largest + 1)."""
    if connection.dialect.name != "postgresql":
        return
    for table in (reviews, drill_attempts):
        highest = select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, "id")
        connection.execute(select(func.setval(sequence, highest + 1, false())))
