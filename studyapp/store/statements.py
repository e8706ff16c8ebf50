"""Every hot statement of the store, written once as SQLAlchemy Core with named parameters.

These are the statements of start-up (home counts, streak, whether the decks changed, the
preferences), of the review screen (the next card) and of every grade (claim, read, write,
log, day totals, undo and override checks). They take and return values in their stored
form (store/types.py: days as ordinals, moments as epoch milliseconds, easiness as
hundredths); store/rows.py converts. They are compiled once per database: for SQLite ahead
of time into store/compiled_sqlite.py (so that an ordinary start on a SQLite file never
imports SQLAlchemy), for PostgreSQL at first use (store/runner.py).

Rules for a statement here: every parameter is a named `bindparam` (the generator refuses
an anonymous one, such as a bare Python constant: write `_const(...)`); an INSERT or
UPDATE without `.values()` names its columns in COLUMN_KEYS, and takes parameters named
after them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.sql import ColumnElement

from studyapp.store.rows import MISTAKE_COLUMNS
from studyapp.store.schema import (
    FSRS_COLUMNS,
    SM2_COLUMNS,
    cards,
    daily_totals,
    decks,
    drill_attempts,
    drill_topics,
    misconceptions,
    preferences,
    reviews,
)

ACTIVE_CARD: tuple[ColumnElement[bool], ColumnElement[bool]] = (
    cards.c.suspended == false(),
    cards.c.retired == false(),
)
"""The one definition of a card in play. Compared with `= false` (`= 0` on SQLite), as the
partial indexes' WHERE clauses say `suspended = 0 AND retired = 0`, so that SQLite uses them."""

DAY_COUNTS = (
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
)
"""The counts of daily_totals that each logged grade adds to."""

LOG_COLUMNS = (
    "kind",
    "item_id",
    "reviewed_at",
    "day",
    "quality",
    "duration_ms",
    "repeat",
    *(f"prev_{name}" for name in SM2_COLUMNS),
    *SM2_COLUMNS[:-1],  # the log keeps no "last review after": it is the row's own day
)
"""The columns of a review-log row, as written by a grade (store/rows.py builds them)."""

ATTEMPT_COLUMNS = (
    "topic_id",
    "seed",
    "difficulty",
    "inputs",
    "expected",
    "typed",
    "outcome",
    "correct",
    "hint_used",
    "attempted_at",
    "day",
    "duration_ms",
    "review_id",
    "level_move",
    "slips",
    "mistakes_before",
)


RECENT_ATTEMPTS = 4
"""How many earlier attempts a grade reads to decide the topic's level (review/levels.py
needs CLEAN_RUN - 1 of them)."""


def _day(name: str) -> Any:
    return bindparam(name, type_=Integer)


def _text(name: str) -> Any:
    return bindparam(name, type_=String)


def _const(sql: str) -> Any:
    """A constant in the statement's text (a Python value would become an anonymous
    parameter that no caller supplies)."""
    return literal_column(sql)


def _state_select(table: Any) -> Any:
    """An item's SM-2 state, its row locked on PostgreSQL (SQLite: the writing transaction
    already holds the database's write lock)."""
    return (
        select(*(table.c[name] for name in SM2_COLUMNS))
        .where(table.c.id == _text("item_id"))
        .with_for_update()
    )


def _state_update(table: Any) -> Any:
    """Set an item's SM-2 state (parameters named after the columns)."""
    return update(table).where(table.c.id == _text("item_id"))


def _claim(table: Any) -> Any:
    """The state update, applied only while the item still holds the state the session
    showed (`was_*`, NULL-safe on due and last_review). When it matches — the usual case —
    no read is needed: the shown state is the state before. When another writer got there
    first it changes nothing, and the grade falls back to read-then-write."""
    return _state_update(table).where(
        table.c.easiness == bindparam("was_easiness", type_=Integer),
        table.c.repetitions == bindparam("was_repetitions", type_=Integer),
        table.c.interval == bindparam("was_interval", type_=Integer),
        table.c.due.is_not_distinct_from(bindparam("was_due", type_=Integer)),
        table.c.lapses == bindparam("was_lapses", type_=Integer),
        table.c.last_review.is_not_distinct_from(bindparam("was_last_review", type_=Integer)),
    )


def _streak() -> Any:
    """Study days up to :today, newest first with their rank n = 1, 2, ... While the days
    run without a gap, day + n equals the newest day + 1; at the first gap it drops below,
    and stays below. So one statement gives the newest study day and the length of its run."""
    studied = (
        select(daily_totals.c.day)
        .distinct()
        .where(daily_totals.c.day <= _day("today"), daily_totals.c.reviews > _const("0"))
        .cte("studied")
    )
    ranked = select(
        studied.c.day, func.row_number().over(order_by=studied.c.day.desc()).label("n")
    ).cte("ranked")
    newest = select(func.max(studied.c.day)).scalar_subquery()
    return select(func.max(ranked.c.day), func.count()).where(
        ranked.c.day + ranked.c.n == newest + _const("1")
    )


def topic_recent(dialect: str) -> Any:
    """Every drill topic (title, lapses, suspended) with each of its last :recent
    attempts' outcome, oldest first; an untried topic once, with a NULL outcome. The
    correlated LIMIT reads each topic's newest attempts from ix_drill_attempts_topic_day
    (a millisecond on 20,000 attempts; a window function sorts them all). SQLite runs the
    `id IN (…)` join as a lookup of the ids the LIMIT found; PostgreSQL cannot (it ran the
    subquery for every pair of topic and attempt: 0.9 s on 2,000 attempts), so there it is
    a LATERAL join, which SQLite lacks."""
    attempts = drill_attempts.c
    if dialect == "postgresql":
        latest_rows = (
            select(attempts.correct, attempts.day, attempts.id)
            .where(attempts.topic_id == drill_topics.c.id)
            .order_by(attempts.day.desc(), attempts.id.desc())
            .limit(bindparam("recent", type_=Integer))
            .lateral("latest")
        )
        return (
            select(
                drill_topics.c.id,
                drill_topics.c.title,
                drill_topics.c.lapses,
                drill_topics.c.suspended,
                latest_rows.c.correct,
            )
            .select_from(drill_topics.outerjoin(latest_rows, true()))
            .order_by(drill_topics.c.id, latest_rows.c.day, latest_rows.c.id)
        )
    latest = (
        select(attempts.id)
        .where(attempts.topic_id == drill_topics.c.id)
        .order_by(attempts.day.desc(), attempts.id.desc())
        .limit(bindparam("recent", type_=Integer))
        .offset(_const("0"))  # SQLite renders an OFFSET anyway: name it
        .correlate(drill_topics)
    )
    return (
        select(
            drill_topics.c.id,
            drill_topics.c.title,
            drill_topics.c.lapses,
            drill_topics.c.suspended,
            attempts.correct,
        )
        .select_from(drill_topics.outerjoin(drill_attempts, attempts.id.in_(latest)))
        .order_by(drill_topics.c.id, attempts.day, attempts.id)
    )


def _count_by_deck(dialect: str, *where: Any) -> Any:
    """(deck id, how many of its cards in play match `where`), for the home screen. SQLite
    groups the cards of a partial covering index by deck. On PostgreSQL grouping 35,000
    due cards by deck took 17-25 ms at 100,000 cards; a count per deck, each a range of
    one index (ix_cards_new_by_deck; ix_cards_due_by_deck and ix_cards_fsrs_due_by_deck,
    migration 0013), takes 3-4 ms, and lists every deck (0 for none)."""
    if dialect == "postgresql":
        counted = select(func.count()).where(cards.c.deck_id == decks.c.id, *ACTIVE_CARD, *where)
        return select(decks.c.id, counted.scalar_subquery())
    return (
        select(cards.c.deck_id, func.count()).where(*ACTIVE_CARD, *where).group_by(cards.c.deck_id)
    )


def _upsert(dialect: str, table: Any, keys: list[Any], set_: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, in the database's own dialect."""
    statement: Any
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    else:
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement = postgresql_insert(table)
    values = {name: fn(statement.excluded) for name, fn in set_.items()}
    return statement.on_conflict_do_update(index_elements=keys, set_=values)


def _typed(name: str, column: Any) -> Any:
    """A parameter of `column`'s type (rendered with its cast where the dialect casts)."""
    return bindparam(name, type_=column.type)


def _card_log_value(name: str) -> Any:
    """What a card's grade in one statement writes to the log row's column `name`: its
    state before is the state the claim matched (`was_*`), its state after the state the
    claim wrote (named after the columns), the rest a parameter named after the column."""
    if name == "kind":
        return _const("'card'")
    if name.startswith("prev_") and name[5:] in SM2_COLUMNS:
        return _typed(f"was_{name[5:]}", reviews.c[name])
    return _typed(name, reviews.c[name])


def _card_grade_at_once(claimed: Any, fsrs: bool) -> Any:
    """A card's grade as ONE statement (PostgreSQL's data-modifying CTEs): the card
    `claimed` (a CTE that yields its row only while it still holds the state the session
    showed), then its log row and its day's totals, each only when the card was claimed.
    Run alone (autocommit) it is the whole grade in one round trip, all or nothing; no row
    back means the claim failed and nothing was written (store/grades.py then takes the
    path of several statements). Parameters: the claim's, the log row's own columns
    (reviewed_at, day, quality, duration_ms, repeat, cram; with fsrs prev_fsrs_*) and
    `add_<count>` for what the grade adds to its day's totals (DAY_COUNTS).

    Kept under psycopg's limits for caching a query's parsing (4,096 characters, 50
    parameters): the state before and after are the claim's parameters, not copies."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    log_columns = [
        *LOG_COLUMNS,
        "cram",
        *((f"prev_{name}" for name in FSRS_COLUMNS) if fsrs else ()),
    ]
    logged = (
        insert(reviews)
        .from_select(log_columns, select(*map(_card_log_value, log_columns)).select_from(claimed))
        .returning(reviews.c.id)
        .cte("logged")
    )
    counting = postgresql_insert(daily_totals).from_select(
        ["day", "kind", *DAY_COUNTS],
        select(
            _typed("day", daily_totals.c.day),
            _const("'card'"),
            *(_typed(f"add_{name}", daily_totals.c[name]) for name in DAY_COUNTS),
        ).select_from(claimed),
    )
    counted = counting.on_conflict_do_update(
        index_elements=[daily_totals.c.day, daily_totals.c.kind],
        set_={name: daily_totals.c[name] + counting.excluded[name] for name in DAY_COUNTS},
    ).cte("counted")
    return select(logged.c.id).add_cte(counted)


def _card_claims(fsrs: bool) -> tuple[Any, Any]:
    """The claims of a card's grade in one statement, as CTEs: (a first grade's update to
    the state after, a same-day repeat's lock on the unchanged row). Both match only while
    the card holds the shown SM-2 state (`was_*`), and with fsrs its FSRS state as read
    before the grade (`was_fsrs_*`); the update also sets FSRS's state after."""
    shown = [
        cards.c[name].is_not_distinct_from(bindparam(f"was_{name}", type_=cards.c[name].type))
        for name in (*SM2_COLUMNS, *(FSRS_COLUMNS if fsrs else ()))
    ]
    at = (cards.c.id == _text("item_id"), *shown)
    written = (*SM2_COLUMNS, *(FSRS_COLUMNS if fsrs else ()))
    update_claim = (
        update(cards)
        .where(*at)
        .values({name: _typed(name, cards.c[name]) for name in written})
        .returning(cards.c.id)
        .cte("claimed")
    )
    lock_claim = select(cards.c.id).where(*at).with_for_update().cte("claimed")
    return update_claim, lock_claim


def build(dialect: str) -> dict[str, tuple[Any, tuple[str, ...] | None]]:
    """Every hot statement by name, for a database of `dialect` ("sqlite" or
    "postgresql"): (statement, the column keys an INSERT or UPDATE takes, or None)."""
    due, today = cards.c.due, _day("today")
    topic_due = drill_topics.c.due
    built: dict[str, tuple[Any, tuple[str, ...] | None]] = {}

    def add(name: str, statement: Any, keys: tuple[str, ...] | None = None) -> None:
        built[name] = (statement, keys)

    # -- start-up: the home counts, the streak, whether anything on disk changed
    add("due_by_deck", _count_by_deck(dialect, due.is_not(None), due <= today))
    add("new_by_deck", _count_by_deck(dialect, due.is_(None)))
    add(
        "first_new_in_deck",  # the queue: a deck's first new cards in file order (a seek on
        # ix_cards_new_by_deck (deck_id, position) that stops after `room` rows)
        select(cards.c.id)
        .where(*ACTIVE_CARD, due.is_(None), cards.c.deck_id == _text("deck"))
        .order_by(cards.c.position)
        .limit(_day("room"))
        .offset(_const("0")),  # SQLite would add an anonymous OFFSET parameter
    )
    add(
        "new_in_deck",  # a deck's new cards in play: the path's opening rule (a seek)
        select(func.count()).where(*ACTIVE_CARD, due.is_(None), cards.c.deck_id == _text("deck")),
    )
    add(
        "seen_in_deck",  # a deck's cards in play seen at least once: the path's opening rule
        select(func.count()).where(
            *ACTIVE_CARD, due.is_not(None), cards.c.deck_id == _text("deck")
        ),
    )
    add("deck_names", select(decks.c.id, decks.c.name).where(decks.c.retired == false()))
    add(
        "topic_states",  # every topic in play and its due day (NULL: never drilled)
        select(drill_topics.c.id, topic_due).where(drill_topics.c.suspended == false()),
    )
    add(
        "topic_usage",
        select(daily_totals.c.new_seen).where(
            daily_totals.c.day == today, daily_totals.c.kind == _const("'topic'")
        ),
    )
    window = bindparam("window", type_=Integer)
    add(  # the learner's own pace, for the minutes estimate: the newest rows of the log,
        # found from its key (no scan, no sort)
        "recent_card_durations",
        select(reviews.c.duration_ms).where(
            reviews.c.kind == _const("'card'"),
            reviews.c.id > select(func.max(reviews.c.id)).scalar_subquery() - window,
        ),
    )
    add(
        "recent_drill_durations",
        select(drill_attempts.c.duration_ms).where(
            drill_attempts.c.id > select(func.max(drill_attempts.c.id)).scalar_subquery() - window
        ),
    )
    add(
        "topic_counts",
        select(
            func.count().filter(and_(topic_due.is_not(None), topic_due <= today)),
            func.count().filter(topic_due.is_(None)),
        ).where(drill_topics.c.suspended == false()),
    )
    add(
        "mistake_counts",  # misconceptions active, and of those due today (a small table)
        select(
            func.count().filter(misconceptions.c.status == _const("'active'")),
            func.count().filter(
                misconceptions.c.status == _const("'active'"), misconceptions.c.due <= today
            ),
        ),
    )
    add(
        "reviews_on_day",
        select(daily_totals.c.kind, daily_totals.c.reviews).where(daily_totals.c.day == today),
    )
    add("topic_recent", topic_recent(dialect))
    # FSRS's due counts (scheduler fsrs): the same counts on its own due column
    fsrs_due, topic_fsrs_due = cards.c.fsrs_due, drill_topics.c.fsrs_due
    add("due_by_deck_fsrs", _count_by_deck(dialect, fsrs_due.is_not(None), fsrs_due <= today))
    add(
        "topic_counts_fsrs",
        select(
            func.count().filter(and_(topic_fsrs_due.is_not(None), topic_fsrs_due <= today)),
            func.count().filter(topic_due.is_(None)),
        ).where(drill_topics.c.suspended == false()),
    )
    add(
        "card_usage",
        select(daily_totals.c.graded, daily_totals.c.new_seen).where(
            daily_totals.c.day == today, daily_totals.c.kind == _const("'card'")
        ),
    )
    add("streak", _streak())
    add(
        "bundled_decks",
        select(decks.c.source_path, decks.c.digest, decks.c.retired).where(
            decks.c.origin == _const("'bundled'")
        ),
    )
    add("preferences", select(preferences.c.key, preferences.c.value))
    add("preference", select(preferences.c.value).where(preferences.c.key == _text("key")))
    add(
        "write_preference",
        _upsert(dialect, preferences, [preferences.c.key], {"value": lambda new: new.value}),
        ("key", "value"),
    )

    # -- the review screen: everything it shows of one card, then FSRS's state and SM-2's
    # (the state a grade of it claims, store/grades.py)
    add(
        "card_view",
        select(
            cards.c.id,
            cards.c.deck_id,
            decks.c.name,
            cards.c.front,
            cards.c.back,
            cards.c.mnemonic,
            cards.c.why,
            cards.c.source,
            cards.c.tags,
            cards.c.template,
            cards.c.ordinal,
            *(cards.c[name] for name in FSRS_COLUMNS),
            *(cards.c[name] for name in SM2_COLUMNS),
        )
        .select_from(cards.join(decks))
        .where(cards.c.id == _text("card_id")),
    )
    add(
        "due_on_day",
        select(func.count()).select_from(cards).where(*ACTIVE_CARD, due == _day("day")),
    )
    add(  # browse's card view: every logged grade of one card, oldest first
        "card_history",
        select(  # stored forms: epoch milliseconds, a day's ordinal
            type_coerce(reviews.c.reviewed_at, BigInteger),
            type_coerce(reviews.c.day, Integer),
            reviews.c.quality,
            reviews.c.duration_ms,
            reviews.c.repeat,
            reviews.c.prev_interval,
            reviews.c.interval,
            reviews.c.imported,
        )
        .where(reviews.c.kind == _const("'card'"), reviews.c.item_id == _text("card_id"))
        .order_by(reviews.c.reviewed_at, reviews.c.id),
    )

    # -- a grade: one item's state, its log row, its day's totals
    for kind, table in (("card", cards), ("topic", drill_topics)):
        add(f"{kind}_state", _state_select(table))
        add(f"write_{kind}_state", _state_update(table), SM2_COLUMNS)
        add(f"claim_{kind}_state", _claim(table), SM2_COLUMNS)
    add("insert_topic", insert(drill_topics), ("id", "title", "suspended", *SM2_COLUMNS))
    if dialect == "postgresql":  # a card's grade in one round trip (store/grades.py)
        first, repeat = _card_claims(fsrs=False)
        add("grade_card", _card_grade_at_once(first, fsrs=False))
        add("repeat_card", _card_grade_at_once(repeat, fsrs=False))
        add("grade_card_fsrs", _card_grade_at_once(_card_claims(fsrs=True)[0], fsrs=True))

    # -- FSRS beside SM-2 (issue 17): an item's FSRS state, kept in step by each grade once
    # derived, and the state before each grade in its log row (undo, override)
    for kind, table in (("card", cards), ("topic", drill_topics)):
        add(
            f"{kind}_fsrs",
            select(*(table.c[name] for name in FSRS_COLUMNS), table.c.last_review).where(
                table.c.id == _text("item_id")
            ),
        )
        add(f"write_{kind}_fsrs", _state_update(table), FSRS_COLUMNS)
    review_id = reviews.c.id == bindparam("review_id", type_=Integer)
    add("log_fsrs", update(reviews).where(review_id), tuple(f"prev_{n}" for n in FSRS_COLUMNS))
    add("review_fsrs", select(*(reviews.c[f"prev_{n}"] for n in FSRS_COLUMNS)).where(review_id))
    add("log_size", select(func.max(reviews.c.id)))  # the progress of a replay
    add(  # the log's first grades of a day, a page at a time by key: FSRS's replay and the
        # calibration read a million rows this way without SQLAlchemy's row handling
        "first_grades_after",
        select(
            reviews.c.id,
            reviews.c.kind,
            reviews.c.item_id,
            type_coerce(reviews.c.day, Integer),
            reviews.c.quality,
            reviews.c.prev_interval,
            reviews.c.prev_last_review.is_(None),
        )
        .where(reviews.c.id > bindparam("after_id", type_=BigInteger), reviews.c.repeat == false())
        .order_by(reviews.c.id)
        .limit(_day("room"))
        .offset(_const("0")),
    )
    add(
        "due_on_day_fsrs",
        select(func.count())
        .select_from(cards)
        .where(*ACTIVE_CARD, cards.c.fsrs_due == _day("day")),
    )

    # -- a drill grade: the topic's level, its latest attempts (with their final grades)
    topic_id = drill_topics.c.id == _text("item_id")
    add("topic_level", select(drill_topics.c.level).where(topic_id))
    add(
        "write_topic_level",
        update(drill_topics).where(topic_id).values(level=bindparam("level", type_=Integer)),
    )
    add(
        "recent_attempts",
        select(drill_attempts.c.difficulty, reviews.c.quality, drill_attempts.c.level_move)
        .select_from(drill_attempts.join(reviews, reviews.c.id == drill_attempts.c.review_id))
        .where(
            drill_attempts.c.topic_id == _text("item_id"),
            drill_attempts.c.id < bindparam("before_id", type_=BigInteger),
        )
        # Newest first in the order of ix_drill_attempts_topic_day (its rows end in the
        # id): the few wanted rows are read off the index's end, without sorting them all.
        .order_by(drill_attempts.c.day.desc(), drill_attempts.c.id.desc())
        .limit(_const(str(RECENT_ATTEMPTS)))
        .offset(_const("0")),
    )
    attempt_of_review = drill_attempts.c.review_id == bindparam("review_id", type_=Integer)
    add(
        "review_attempt",
        select(drill_attempts.c.id, drill_attempts.c.difficulty, drill_attempts.c.level_move).where(
            attempt_of_review
        ),
    )
    add(
        "write_attempt_move",
        update(drill_attempts)
        .where(attempt_of_review)
        .values(level_move=bindparam("level_move", type_=Integer)),
    )
    add("delete_attempt", delete(drill_attempts).where(attempt_of_review))
    # -- a drill attempt's misconceptions: read (locked), written, taken back on undo
    mistake_id = misconceptions.c.id == _text("mistake_id")
    add(
        "mistake_row",
        select(*(misconceptions.c[name] for name in MISTAKE_COLUMNS))
        .where(mistake_id)
        .with_for_update(),
    )
    add(
        "write_mistake",
        _upsert(
            dialect,
            misconceptions,
            [misconceptions.c.id],
            {name: (lambda new, name=name: new[name]) for name in MISTAKE_COLUMNS if name != "id"},
        ),
        MISTAKE_COLUMNS,
    )
    add("delete_mistake", delete(misconceptions).where(mistake_id))
    add(
        "attempt_mistakes",
        select(drill_attempts.c.id, drill_attempts.c.mistakes_before).where(attempt_of_review),
    )
    add("insert_log", insert(reviews).returning(reviews.c.id), LOG_COLUMNS)
    add("insert_attempt", insert(drill_attempts).returning(drill_attempts.c.id), ATTEMPT_COLUMNS)
    add(
        "count_grade",
        _upsert(
            dialect,
            daily_totals,
            [daily_totals.c.day, daily_totals.c.kind],
            {
                name: (lambda new, name=name: daily_totals.c[name] + new[name])
                for name in DAY_COUNTS
            },
        ),
        ("day", "kind", *DAY_COUNTS),
    )
    day_and_kind = (daily_totals.c.day == _day("at_day"), daily_totals.c.kind == _text("of_kind"))
    add(
        "uncount_grade",
        update(daily_totals)
        .where(*day_and_kind)
        .values(
            {
                name: daily_totals.c[name] - bindparam(f"d_{name}", type_=BigInteger)
                for name in DAY_COUNTS
            }
        ),
    )
    add(
        "regrade_day",
        update(daily_totals)
        .where(*day_and_kind)
        .values(
            correct=daily_totals.c.correct + bindparam("d_correct", type_=Integer),
            graded_correct=daily_totals.c.graded_correct
            + bindparam("d_graded_correct", type_=Integer),
            young_passed=daily_totals.c.young_passed + bindparam("d_young_passed", type_=Integer),
            mature_passed=daily_totals.c.mature_passed
            + bindparam("d_mature_passed", type_=Integer),
        ),
    )

    # -- undo and override: the logged grade, whether a later one exists, taking it back
    add(
        "review_row",
        select(
            reviews.c.kind,
            reviews.c.item_id,
            reviews.c.day,
            reviews.c.quality,
            reviews.c.duration_ms,
            reviews.c.repeat,
            *(reviews.c[f"prev_{name}"] for name in SM2_COLUMNS),
            *(reviews.c[name] for name in SM2_COLUMNS[:-1]),
        ).where(reviews.c.id == bindparam("review_id", type_=Integer)),
    )
    add(
        "later_grade",
        select(reviews.c.id)
        .where(  # an id range: no full scan of the log
            reviews.c.id > bindparam("review_id", type_=Integer),
            reviews.c.kind == _text("kind"),
            reviews.c.item_id == _text("item_id"),
        )
        .limit(_const("1"))
        .offset(_const("0")),
    )
    add(
        "delete_review",
        delete(reviews).where(reviews.c.id == bindparam("review_id", type_=Integer)),
    )
    add(
        "regrade_review",
        update(reviews).where(reviews.c.id == bindparam("review_id", type_=Integer)),
        ("quality", *SM2_COLUMNS[:-1]),
    )

    # -- leeches and custom study (issue 15): a grade that makes its card a leech tags (and
    # may suspend) it in the grade's own transaction, and marks its log row so that undo
    # takes the leech back; a cram grade is marked as such
    add(
        "card_leech_state",
        select(cards.c.tags, cards.c.suspended)
        .where(cards.c.id == _text("item_id"))
        .with_for_update(),
    )
    add("write_card_leech", _state_update(cards), ("tags", "suspended"))
    add("mark_review", update(reviews).where(review_id), ("cram", "leech"))
    add("review_marks", select(reviews.c.leech, reviews.c.cram).where(review_id))
    add(  # home's leech count: cards in play or suspended, tagged leech
        "leech_count",
        select(func.count()).where(
            cards.c.retired == false(),
            (_const("' '") + cards.c.tags + _const("' '")).like(_const("'% leech %'")),
        ),
    )
    add(  # home's leech topics: drill topics in play whose lapses reached the threshold
        "leech_topics",
        select(func.count()).where(
            drill_topics.c.suspended == false(),
            drill_topics.c.lapses >= bindparam("threshold", type_=Integer),
        ),
    )
    return built


def _compiled(dialect: Any) -> dict[str, Any]:
    """Every statement compiled for `dialect` (a SQLAlchemy Dialect), by name.

    Refuses a statement with an anonymous parameter: no caller would supply it."""
    compiled: dict[str, Any] = {}
    for name, (statement, keys) in build(dialect.name).items():
        result = statement.compile(
            dialect=dialect, column_keys=list(keys) if keys is not None else None
        )
        constants = [key for key, bind in result.binds.items() if not bind.required]
        if constants:
            raise ValueError(f"statement {name} has anonymous parameters: {constants}")
        compiled[name] = result
    return compiled


def compile_all(dialect: Any) -> dict[str, str]:
    """Every statement's SQL text for `dialect`, by name (store/generate.py)."""
    return {name: str(result) for name, result in _compiled(dialect).items()}


def compile_for_driver(dialect: Any) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Every statement for `dialect`'s driver, by name: (SQL text, the parameter names in
    order when the driver takes positional parameters, else None)."""
    return {
        name: (str(result), tuple(result.positiontup) if dialect.positional else None)
        for name, result in _compiled(dialect).items()
    }
