"""store/plain.py: SQL text per database, and transactions on the pooled sqlite3 connections."""

from __future__ import annotations

import sqlite3

import pytest

from studyapp.store.plain import PlainSql
from tests.helpers import add_cards

COUNT = "SELECT count(*) FROM preferences"
ADD = "INSERT INTO preferences (key, value) VALUES (:key, :value)"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("sqlite", "a = 0 AND b IS :b FROM t WHERE id = :id"),
        ("postgresql", "a = false AND b IS NOT DISTINCT FROM :b FROM t WHERE id = :id FOR UPDATE"),
    ],
)
def test_placeholders_are_spelled_for_each_database(dialect: str, expected: str) -> None:
    sql = PlainSql(dialect)
    assert sql.render("a = {false} AND b {is} :b FROM t WHERE id = :id{for_update}") == expected


def test_a_writing_block_commits_when_it_ends(db) -> None:
    with db.writing() as sql:
        assert sql.run(ADD, {"key": "k", "value": "v"}) == 1
    with db.reading() as sql:
        assert sql.scalar(COUNT) == 1


def test_a_writing_block_that_fails_leaves_nothing_and_the_pool_works_on(db) -> None:
    with pytest.raises(RuntimeError), db.writing() as sql:
        sql.run(ADD, {"key": "k", "value": "v"})
        raise RuntimeError("halfway")
    with db.reading() as sql:
        assert sql.scalar(COUNT) == 0
    with db.writing() as sql:
        sql.run(ADD, {"key": "k", "value": "v"})
    with db.reading() as sql:
        assert sql.scalar(COUNT) == 1


def test_a_writing_block_holds_the_write_lock_from_its_start(db, db_path) -> None:
    """BEGIN IMMEDIATE, as the SQLAlchemy writers: a second writer waits (here: at once
    gives up), while readers still read."""
    add_cards(db, 1)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.writing() as sql:
            sql.run("UPDATE cards SET lapses = 7")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT lapses FROM cards").fetchone() == (0,)  # not yet
        assert other.execute("SELECT lapses FROM cards").fetchone() == (7,)
    finally:
        other.close()


def test_the_database_can_be_used_again_after_closing(db) -> None:
    with db.writing() as sql:
        sql.run(ADD, {"key": "k", "value": "v"})
    db.close()
    with db.reading() as sql:
        assert sql.scalar(COUNT) == 1
    with db.session() as session:  # and the engine, built again on first use
        assert session.connection().exec_driver_sql(COUNT).scalar() == 1
