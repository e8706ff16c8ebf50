"""A card's grade on PostgreSQL in one round trip, under FSRS too: one statement of
data-modifying CTEs run alone (store/grades.py, statements grade_card, grade_card_fsrs,
repeat_card). It must leave exactly the rows the transaction of several statements leaves
on SQLite, all or nothing.

Runs when STUDYAPP_TEST_PG_URL names a database the tests may wipe (as tests/test_postgres.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.review.cards import ReviewSession
from studyapp.review.custom import CustomStudy
from studyapp.store import Database, open_database
from studyapp.store.models import Card, DailyTotal, Review
from tests.conftest import NOON
from tests.helpers import add_cards

URL = os.environ.get("STUDYAPP_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set STUDYAPP_TEST_PG_URL to run on PostgreSQL")


@pytest.fixture
def pg_url() -> Iterator[str]:
    assert URL is not None
    from tests.test_postgres import wipe

    wipe(URL)
    yield URL


def _rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every card's schedule, tags and suspension, every log row but its id (in order) and
    every day's totals, as the ORM reads them on either database."""

    def values(row: Any, table: Any, skip: tuple[str, ...] = ()) -> tuple[Any, ...]:
        return tuple(getattr(row, c.key) for c in table.__table__.columns if c.key not in skip)

    with db.session() as session:
        return {
            "cards": [values(c, Card) for c in session.scalars(select(Card).order_by(Card.id))],
            "log": [
                values(r, Review, ("id",))
                for r in session.scalars(select(Review).order_by(Review.id))
            ],
            "totals": [
                values(t, DailyTotal)
                for t in session.scalars(
                    select(DailyTotal).order_by(DailyTotal.day, DailyTotal.kind)
                )
            ],
        }


def _grade_all(session: ReviewSession, grades: list[int]) -> int:
    given = 0
    while session.current is not None:
        session.grade(grades[given % len(grades)], duration_ms=1000 + 37 * given)
        given += 1
    return given


def _study(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Three days of study on the collection at `url`: new, young, mature and leech-prone
    cards, passes, lapses, same-day repeats, a leech made and undone, undo of first grades
    and repeats, then FSRS's state derived and kept by the next days' grades, and a cram."""
    clock = FixedClock(NOON)
    collection = Collection.open(url, Settings(clock=clock), sync=False)
    try:
        db, today = collection.db, clock.now().date()
        add_cards(db, 4, deck="fresh")
        add_cards(
            db, 3, deck="mature", repetitions=4, interval=30, due=today,
            last_review=today - timedelta(days=30),
        )  # fmt: skip
        add_cards(
            db, 2, deck="leechy", repetitions=3, interval=10, due=today, lapses=7,
            last_review=today - timedelta(days=10),
        )  # fmt: skip
        session = collection.review()
        for quality in (5, 1, 4, 0):  # a pass, two lapses (a leech), ...
            session.grade(quality, duration_ms=900)
        session.undo()  # ... a lapse taken back
        assert _grade_all(session, [3, 0, 5, 2, 4]) >= 5  # with the repeats of the failures
        session.undo()
        session.undo()
        _grade_all(session, [4])
        clock.advance(days=1)
        collection.set_preference("scheduler", "fsrs")  # FSRS's state derived from the log
        clock.advance(days=3)
        _grade_all(collection.review(), [5, 2, 3, 1, 4])
        session = collection.review()
        if session.current is not None:
            session.grade(3)
            session.undo()
        _grade_all(collection.custom_review(CustomStudy("cram", deck="fresh")), [0, 5, 2])
        with db.session() as s:
            kinds = [
                s.scalar(select(func.count()).where(condition))
                for condition in (
                    Review.leech > 0,
                    Review.cram,
                    Review.repeat & ~Review.cram,
                    Review.prev_fsrs_stability.is_not(None),
                )
            ]
        assert all(kinds), f"not every kind of grade was given: {kinds}"
        return _rows(db)
    finally:
        collection.close()


def test_grades_at_once_leave_the_rows_sqlites_transaction_leaves(pg_url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        on_sqlite = _study(f"sqlite:///{Path(folder) / 'study.db'}")
    on_postgres = _study(pg_url)
    assert len(on_sqlite["log"]) > 20
    assert on_postgres == on_sqlite


@contextmanager
def _round_trips(db: Database) -> Iterator[list[int]]:
    """Counts the round trips to the server in the block, on the pooled connection the next
    transaction takes (libpq's trace: each Sync or simple Query waits for the server). A
    statement's preparation, once per connection (Parse then Sync), is not counted."""
    with db.reading() as sql:  # put back last, taken first
        connection = sql.connection  # type: ignore[attr-defined]
    counted: list[int] = []
    with tempfile.TemporaryFile("w+") as trace:
        connection.pgconn.trace(trace.fileno())
        try:
            yield counted
        finally:
            connection.pgconn.untrace()
        trace.seek(0)
        sent = [
            kind
            for fields in (line.split("\t") for line in trace.read().splitlines())
            if "F" in fields
            for kind in fields
            if kind in ("Parse", "Bind", "Sync", "Query")
        ]
    trips = sum(1 for kind in sent if kind in ("Sync", "Query"))
    preparations = sum(1 for pair in pairwise(sent) if pair == ("Parse", "Sync"))
    counted.append(trips - preparations)


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_a_card_grade_is_one_round_trip(pg_url: str, scheduler: str) -> None:
    collection = Collection.open(pg_url, Settings(clock=FixedClock(NOON)), sync=False)
    try:
        add_cards(collection.db, 3)
        collection.set_preference("scheduler", scheduler)
        session = collection.review()
        counted = []
        for quality in (2, 4, 4, 4):  # the last: the repeat of the first card, failed
            _ = session.current
            with _round_trips(collection.db) as trips_of_grade:
                session.grade(quality)
            counted += trips_of_grade
        assert counted == [1, 1, 1, 1]  # FSRS's state too: read with the card shown
    finally:
        collection.close()


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_a_grade_that_fails_midway_writes_nothing(pg_url: str, scheduler: str) -> None:
    collection = Collection.open(pg_url, Settings(clock=FixedClock(NOON)), sync=False)
    try:
        add_cards(collection.db, 2)
        collection.set_preference("scheduler", scheduler)
        session = collection.review()
        session.grade(4)
        before = _rows(collection.db)
        with collection.db.writer.begin() as sql:  # the day's totals refuse any change
            sql.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            sql.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON daily_totals"
                    " FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        with pytest.raises(Exception, match="refused"):
            session.grade(5)
        assert _rows(collection.db) == before  # neither the card nor its log row changed
        with collection.db.writer.begin() as sql:
            sql.execute(text("DROP TRIGGER refuse ON daily_totals"))
        session.grade(5)  # the same grade again, now whole
        assert len(_rows(collection.db)["log"]) == 2
    finally:
        collection.close()


def test_a_card_graded_elsewhere_first_is_graded_from_its_new_state(pg_url: str) -> None:
    settings = Settings(clock=FixedClock(NOON))
    [card] = add_cards(open_database(pg_url), 1)
    mine = Collection.open(pg_url, settings, sync=False)
    theirs = Collection.open(pg_url, settings, sync=False)
    try:
        my_session, their_session = mine.review(), theirs.review()
        assert my_session.current.id == their_session.current.id == card  # both show it new
        their_session.grade(5)
        after = my_session.grade(4)  # the state shown is stale: graded from the stored one
        log = _rows(mine.db)["log"]
        assert len(log) == 2
        assert after.repetitions == 2  # from theirs (1 repetition), not from new
        with mine.db.session() as s:
            first, second = s.scalars(select(Review).order_by(Review.id))
            assert second.prev_repetitions == first.repetitions == 1
            totals = s.scalars(select(DailyTotal)).one()
            assert (totals.reviews, totals.graded, totals.new_seen) == (2, 2, 1)
    finally:
        mine.close()
        theirs.close()


def test_a_card_whose_fsrs_state_changed_since_it_was_shown_is_graded_from_the_new_one(
    pg_url: str,
) -> None:
    """FSRS's state derived again elsewhere (a new desired retention, a replay) while the
    card is shown, its SM-2 state untouched: the grade starts from the stored FSRS state."""
    clock = FixedClock(NOON)
    collection = Collection.open(pg_url, Settings(clock=clock), sync=False)
    try:
        today = clock.now().date()
        [card] = add_cards(
            collection.db, 1, repetitions=2, interval=6, due=today,
            last_review=today - timedelta(days=6),
        )  # fmt: skip
        collection.set_preference("scheduler", "fsrs")
        session = collection.review()
        assert session.current.id == card
        with collection.db.writer.begin() as sql:
            sql.execute(
                text(
                    "UPDATE cards SET fsrs_stability = 7.25, fsrs_difficulty = 4.5,"
                    " fsrs_due = fsrs_due + 1 WHERE id = :id"
                ),
                {"id": card},
            )
        session.grade(4)
        with collection.db.session() as s:
            logged = s.scalars(select(Review)).one()
        assert (logged.prev_fsrs_stability, logged.prev_fsrs_difficulty) == (7.25, 4.5)
    finally:
        collection.close()


def test_a_sessions_first_grade_prepares_the_grade_statement(pg_url: str) -> None:
    """Prepared at its first use on a connection, not after psycopg's five unprepared runs,
    each of which parsed and planned the long statement (a session's first grades took
    about 1 ms instead of 0.4 at 100,000 cards)."""
    collection = Collection.open(pg_url, Settings(clock=FixedClock(NOON)), sync=False)
    try:
        add_cards(collection.db, 2)
        session = collection.review()
        _ = session.current
        session.grade(4)
        with collection.db.reading() as sql:  # the connection the grade used
            prepared = sql.connection.execute(  # type: ignore[attr-defined]
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH claimed%'"
            ).fetchone()
        assert prepared == (1,)
    finally:
        collection.close()
