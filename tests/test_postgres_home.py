"""The home screen's counts per deck on PostgreSQL: a count per deck, each a range of one
partial index (statements due_by_deck, due_by_deck_fsrs, new_by_deck; migration 0013),
with the same counts as SQLite's grouping of the cards by deck.

Runs when STUDYAPP_TEST_PG_URL names a database the tests may wipe (as tests/test_postgres.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from studyapp.store import Database, open_database
from studyapp.store.runner import CoreRunner, compiled_for
from tests.helpers import add_cards

URL = os.environ.get("STUDYAPP_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set STUDYAPP_TEST_PG_URL to run on PostgreSQL")
TODAY = date(2026, 3, 10)
STATEMENTS = {  # statement: the index each deck's count reads
    "due_by_deck": "ix_cards_due_by_deck",
    "due_by_deck_fsrs": "ix_cards_fsrs_due_by_deck",
    "new_by_deck": "ix_cards_new_by_deck",
}


@pytest.fixture
def pg() -> Iterator[Database]:
    assert URL is not None
    from tests.test_postgres import wipe

    wipe(URL)
    db = open_database(URL)
    yield db
    db.close()


def _fill(db: Database) -> None:
    """Two decks of new, due, not yet due and suspended cards, and an empty deck."""
    for deck, days in (("alpha", (-3, 0, 0, 2)), ("beta", (-40, 5))):
        add_cards(db, 2 if deck == "alpha" else 1, deck=deck)
        for offset in days:
            due = TODAY + timedelta(days=offset)
            add_cards(db, 1, deck=deck, due=due, repetitions=1, interval=1, fsrs_due=due)
        add_cards(db, 1, deck=deck, due=TODAY, suspended=True, fsrs_due=TODAY)
    add_cards(db, 0, deck="empty")


def _counts(db: Database) -> dict[str, dict[str, int]]:
    """Each statement's counts, by deck, without the zeros."""
    at = {"today": TODAY.toordinal()}
    with db.engine.connect() as connection:
        runner = CoreRunner(connection)
        return {
            name: {deck: int(n) for deck, n in runner.all(name, at) if n} for name in STATEMENTS
        }


def test_the_counts_per_deck_are_sqlites(pg: Database, tmp_path: Path) -> None:
    lite = open_database(f"sqlite:///{tmp_path / 'home.db'}")
    try:
        _fill(lite)
        _fill(pg)
        expected = {
            "due_by_deck": {"alpha": 3, "beta": 1},
            "due_by_deck_fsrs": {"alpha": 3, "beta": 1},
            "new_by_deck": {"alpha": 2, "beta": 1},
        }
        assert _counts(lite) == expected
        assert _counts(pg) == expected
    finally:
        lite.close()


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


def test_each_decks_count_is_a_range_of_one_index(pg: Database) -> None:
    """No grouping of the cards by deck (17-25 ms at 100,000 cards): each deck's count
    reads its range of a partial index, without the table (the table is left out of the
    choice so that a few test rows do not make a sequential scan the cheaper plan)."""
    _fill(pg)
    with pg.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        statements = compiled_for(connection.dialect)
        for name, index in STATEMENTS.items():
            sql, _ = statements[name]
            plan = connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {sql}", {"today": TODAY.toordinal()}
            ).scalar()
            tree = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
            on_cards = [n for n in _nodes(tree) if n.get("Relation Name") == "cards"]
            grouped = [n for n in _nodes(tree) if n.get("Group Key")]
            assert not grouped, f"{name} groups the cards: {tree}"
            assert [(n["Node Type"], n.get("Index Name")) for n in on_cards] == [
                ("Index Only Scan", index)
            ], name


def test_after_a_bulk_load_the_cards_need_no_table_visit_to_be_counted(pg: Database) -> None:
    """A restore, an import or the benchmark's build ends with refresh_planner_statistics:
    the cards' visibility map is set then, not when autovacuum comes a minute later, so
    the home counts' index-only scans do not read the table for every card (14,706 table
    reads for the due count after the benchmark's build: 30 ms instead of 4)."""
    from studyapp.store.planner_statistics import refresh_planner_statistics

    def pages() -> tuple[int, int]:
        with pg.engine.connect() as connection:
            found = connection.execute(
                text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'cards'")
            ).one()
        return int(found[0]), int(found[1])

    add_cards(pg, 400, deck="alpha")
    refresh_planner_statistics(pg)
    total, visible = pages()
    assert total > 1 and visible == total
    with pg.engine.begin() as connection:  # a write after it: autovacuum's work again
        connection.execute(text("UPDATE cards SET lapses = lapses + 1"))
    refresh_planner_statistics(pg)
    assert pages()[1] == pages()[0]
