"""store/runner.py: the store's statements run by name, and transactions on the pooled sqlite3
connections."""

from __future__ import annotations

import sqlite3

import pytest

from studyapp.store.schema import SM2_COLUMNS as STATE
from tests.helpers import add_cards

COUNT = "SELECT count(*) FROM preferences"  # the tests' own look, beside the store's
ADD = {"key": "k", "value": "v"}


def count(sql) -> int:
    return len(sql.all("preferences"))


def test_a_writing_block_commits_when_it_ends(db) -> None:
    with db.writing() as sql:
        assert sql.run("write_preference", ADD) == 1
    with db.reading() as sql:
        assert count(sql) == 1


def test_a_writing_block_that_fails_leaves_nothing_and_the_pool_works_on(db) -> None:
    with pytest.raises(RuntimeError), db.writing() as sql:
        sql.run("write_preference", ADD)
        raise RuntimeError("halfway")
    with db.reading() as sql:
        assert count(sql) == 0
    with db.writing() as sql:
        sql.run("write_preference", ADD)
    with db.reading() as sql:
        assert count(sql) == 1


def test_a_writing_block_holds_the_write_lock_from_its_start(db, db_path) -> None:
    """BEGIN IMMEDIATE, as the SQLAlchemy writers: a second writer waits (here: at once
    gives up), while readers still read."""
    add_cards(db, 1)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.writing() as sql:
            state = sql.one("card_state", {"item_id": "basics-000"})
            assert state is not None
            sql.run(
                "write_card_state",
                {
                    "item_id": "basics-000",
                    **dict(zip(STATE, state, strict=True)),
                    "lapses": 7,
                },
            )
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT lapses FROM cards").fetchone() == (0,)  # not yet
        assert other.execute("SELECT lapses FROM cards").fetchone() == (7,)
    finally:
        other.close()


def test_the_database_can_be_used_again_after_closing(db) -> None:
    with db.writing() as sql:
        sql.run("write_preference", ADD)
    db.close()
    with db.reading() as sql:
        assert count(sql) == 1
    with db.session() as session:  # and the engine, built again on first use
        assert session.connection().exec_driver_sql(COUNT).scalar() == 1


def test_a_card_deleted_after_it_was_shown_is_not_graded(db, settings) -> None:
    from sqlalchemy import delete, func, select

    from studyapp.review.cards import ReviewSession
    from studyapp.store.models import Card, Review

    add_cards(db, 2)
    review = ReviewSession(db, settings)
    shown = review.current
    assert shown is not None
    with db.write_session() as session, session.begin():
        session.execute(delete(Card).where(Card.id == shown.id))
    with pytest.raises(LookupError, match="no longer exists"):
        review.grade(4)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0


def test_only_database_troubles_become_one_line_messages(db_path) -> None:
    from studyapp.store.db import explain

    url = f"sqlite:///{db_path}"
    assert "busy" in (explain(sqlite3.OperationalError("database is locked"), url) or "")
    assert "corrupt" in (explain(sqlite3.DatabaseError("file is not a database"), url) or "")
    assert explain(sqlite3.ProgrammingError("Incorrect number of bindings"), url) is None


@pytest.mark.parametrize(
    ("reason", "said", "not_said"),
    [
        ("database or disk is full", "free some space", "busy"),
        ("disk I/O error", "could not read or write", "busy"),
        ("attempt to write a readonly database", "read-only", "busy"),
        ("database is locked", "busy", "full"),
    ],
)
def test_each_write_failure_is_named_for_what_happened(db_path, reason, said, not_said) -> None:
    """A full disk is not a lock: the learner would wait for nothing."""
    from sqlalchemy.exc import OperationalError

    from studyapp.store.db import explain

    url = f"sqlite:///{db_path}"
    for error in (
        sqlite3.OperationalError(reason),
        OperationalError("INSERT ...", {}, sqlite3.OperationalError(reason)),
    ):
        message = explain(error, url) or ""
        assert said in message and not_said not in message


def test_databases_other_than_sqlite_and_postgresql_are_refused() -> None:
    from studyapp.store import DatabaseProblem, open_database

    with pytest.raises(DatabaseProblem, match="SQLite or PostgreSQL, not mysql"):
        open_database("mysql://someone:secret@localhost/studyapp")


def test_a_held_lock_is_a_store_error_on_both_paths(db_path, monkeypatch) -> None:
    """The store's transaction boundaries say StoreError (one line, from explain), with the
    driver's error as the cause: callers above the store need neither sqlite3 nor SQLAlchemy."""
    from studyapp.store import db as store_db
    from studyapp.store import open_database
    from studyapp.store.errors import StoreError

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    db = open_database(f"sqlite:///{db_path}")
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="busy") as plain, db.writing() as sql:
            sql.run("write_preference", ADD)
        assert isinstance(plain.value.__cause__, sqlite3.OperationalError)
        busy = pytest.raises(StoreError, match="busy")
        with busy as core, db.write_session() as session, session.begin():
            session.connection().exec_driver_sql(COUNT)
        assert isinstance(core.value.__cause__, sqlite3.OperationalError)  # the driver's own
        assert store_db.explain(core.value, db.url) == str(core.value)  # the same line
    finally:
        other.close()
        db.close()
    with db.reading() as sql:
        assert count(sql) == 0
