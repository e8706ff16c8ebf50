"""The start-up reads (studyapp.progress.today, studyapp.decks.freshness) as store statements: the
same answers through sqlite3 and through SQLAlchemy, on the indexes they were written for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.decks.freshness import bundled_decks_unchanged
from studyapp.progress.today import home_counts
from studyapp.review.cards import ReviewSession, set_suspended
from studyapp.store.compiled_sqlite import SQL
from studyapp.store.errors import StoreError
from studyapp.store.models import Card, DrillTopic
from studyapp.store.runner import SqliteRunner
from tests.conftest import NOON
from tests.helpers import add_cards


def study_a_week(db) -> Settings:
    """Two decks, a suspended and a retired card, drill topics, grades on five of the last
    seven days: every count of the home screen has something to count."""
    add_cards(db, 12, deck="alpha")
    add_cards(db, 7, deck="beta")
    add_cards(db, 3, deck="gamma", due=NOON.date() - timedelta(days=2), repetitions=2, interval=3)
    set_suspended(db, "alpha-001", True)
    with db.write_session() as session, session.begin():
        session.execute(update(Card).where(Card.id == "beta-013").values(retired=True))
        session.add_all(
            [
                DrillTopic(id="softmax", title="Softmax", due=NOON.date()),
                DrillTopic(id="relu", title="ReLU"),
                DrillTopic(id="adam", title="Adam", due=NOON.date(), suspended=True),
            ]
        )
    for back in (6, 5, 3, 2, 1):
        day = Settings(clock=FixedClock(NOON - timedelta(days=back)), new_per_day=3)
        session = ReviewSession(db, day)
        for grade in (5, 2, 4):
            if session.current is not None:
                session.grade(grade)
    return Settings(clock=FixedClock(NOON), new_per_day=6)


def test_plain_sqlite_and_sqlalchemy_readers_agree(db) -> None:
    settings = study_a_week(db)
    through_sqlite = home_counts(db, settings)
    assert db.sqlite_file is not None
    db.sqlite_file.close()
    db.sqlite_file = None  # as on PostgreSQL or in memory: SQL text through SQLAlchemy
    through_sqlalchemy = home_counts(db, settings)
    assert through_sqlite == through_sqlalchemy
    assert through_sqlite.streak_days == 3
    assert (through_sqlite.topics_due, through_sqlite.topics_new) == (1, 1)
    assert [d.id for d in through_sqlite.decks] == ["alpha", "beta", "gamma"]
    assert sum(d.due for d in through_sqlite.decks) > 0 and through_sqlite.reviews_today == 0


def test_reading_sees_what_was_just_committed(db, settings) -> None:
    add_cards(db, 4)
    assert home_counts(db, settings).new_available == 4
    ReviewSession(db, settings).grade(5)  # through the plain sqlite3 writer
    counts = home_counts(db, settings)
    assert counts.reviews_today == 1 and counts.new_available == 3
    with db.write_session() as session, session.begin():  # through SQLAlchemy's engine
        session.execute(update(Card).values(suspended=True))
    assert home_counts(db, settings).new_available == 0


@pytest.mark.parametrize(
    ("name", "index"),
    [
        ("due_by_deck", "ix_cards_due"),
        ("new_by_deck", "ix_cards_new_by_deck"),
        ("seen_in_deck", "ix_cards_seen_by_deck (deck_id=?)"),
        ("new_in_deck", "ix_cards_new_by_deck (deck_id=?)"),
    ],
)
def test_home_counts_are_answered_from_the_partial_indexes(db, name, index) -> None:
    """`false()` is compiled 0 on SQLite so that the partial indexes (WHERE suspended = 0
    AND retired = 0 ...) still apply: written `false`, SQLite would scan the table."""
    with db.reading() as reader:
        assert isinstance(reader, SqliteRunner)
        plan = reader.connection.execute(
            "EXPLAIN QUERY PLAN " + SQL[name], {"today": NOON.date().toordinal(), "deck": "a"}
        ).fetchall()
    assert any(f"INDEX {index}" in row[-1] for row in plan), plan


def test_the_opening_rule_counts_only_the_decks_it_waits_for(db, settings) -> None:
    """Seen cards are counted per prerequisite deck (a seek on ix_cards_seen_by_deck), so
    the home screen's cost does not grow with the rest of the collection."""
    from studyapp.progress.today import path_state

    add_cards(db, 5, deck="alpha", due=NOON.date(), repetitions=1, interval=1)
    add_cards(db, 1, deck="alpha")
    add_cards(db, 4, deck="beta", due=NOON.date(), repetitions=1, interval=1)
    add_cards(db, 3, deck="beta")
    requires = {("deck", "next"): (("deck", "alpha"),), ("deck", "later"): (("deck", "beta"),)}
    statements: list[str] = []
    with db.reading() as reader:
        assert isinstance(reader, SqliteRunner)
        reader.connection.set_trace_callback(statements.append)
        state = path_state(reader, requires)
        reader.connection.set_trace_callback(None)
    assert state.opened == {("deck", "next")}  # alpha 5/6 seen (met), beta 4/7 (not yet)
    assert not any("GROUP BY" in sql for sql in statements), statements  # no whole-index read


def test_unchanged_deck_files_are_seen_as_unchanged_and_every_change_is_not(db, tmp_path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    deck = content / "one.toml"
    deck.write_text(
        '[deck]\nid = "one"\nname = "One"\n\n[[cards]]\nid = "one-1"\nfront = "Q"\nback = "A"\n'
    )
    collection = Collection(db, Settings(clock=FixedClock(NOON)))

    def unchanged() -> bool:
        with db.reading() as reader:
            return bundled_decks_unchanged(reader, content)

    assert not unchanged()  # never synced
    assert collection.sync(content).added == 1
    assert unchanged()
    assert not collection.sync(content).changed
    deck.write_text(deck.read_text().replace('"A"', '"B"'))
    assert not unchanged()  # edited
    collection.sync(content)
    assert unchanged()
    (content / "two.toml").write_text(deck.read_text().replace("one", "two").replace("One", "Two"))
    assert not unchanged()  # a new file
    collection.sync(content)
    (content / "two.toml").unlink()
    assert not unchanged()  # a file gone: its deck must be retired
    assert collection.sync(content).changed
    assert unchanged()


def test_reads_from_many_threads_keep_few_connections(db, settings) -> None:
    import threading

    add_cards(db, 3)
    results = []

    def read() -> None:
        results.append(home_counts(db, settings).new_available)

    for _ in range(3):
        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [3] * 24
    reads = db.sqlite_file
    assert reads is not None and len(reads._idle) <= reads.KEEP_IDLE
    with pytest.raises(StoreError, match="no_such_column"), db.reading() as reader:
        assert isinstance(reader, SqliteRunner)
        reader.connection.execute("SELECT no_such_column FROM cards")
    assert home_counts(db, settings).new_available == 3  # a failed read leaves nothing behind
