"""Browse's search: any part of a word, tag prefixes, filters, sorting in the database, the
full-text index kept in step by triggers, each card's added day and history (issues 15, 16)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from studyapp.collection import Collection
from studyapp.config import Settings
from studyapp.review.search_terms import SearchTerms, read_terms


@pytest.fixture
def collection(db_path: Path, settings: Settings) -> Collection:
    opened = Collection.open(str(db_path), settings)
    yield opened
    opened.close()


def _ids(rows: list) -> set[str]:
    return {row.id for row in rows}


def _contains(collection: Collection, needle: str) -> set[str]:
    """The cards whose front, back or tags hold `needle`, by Python's casefold."""
    rows = collection.search_cards(limit=100_000)
    from sqlalchemy import select

    from studyapp.store.models import Card

    with collection.db.session() as session:
        texts = {c.id: f"{c.front}\n{c.back}\n{c.tags}" for c in session.scalars(select(Card))}
    return {r.id for r in rows if needle.casefold() in texts[r.id].casefold()}


@pytest.mark.parametrize("typed", ["relu", "soft", "∂L", "ReLU", "ŷ", "eLU", "optimizer"])
def test_any_part_of_a_word_finds_every_card_holding_it(collection: Collection, typed: str) -> None:
    expected = _contains(collection, typed)
    assert expected, f"the bundled decks hold {typed!r}"
    assert _ids(collection.search_cards(typed, limit=100_000)) == expected


def test_every_word_must_appear_somewhere(collection: Collection) -> None:
    both = _contains(collection, "relu") & _contains(collection, "gradient")
    assert both and both != _contains(collection, "relu")
    assert _ids(collection.search_cards("relu gradient", limit=100_000)) == both


def test_quotes_and_like_wildcards_are_searched_as_text(collection: Collection) -> None:
    assert collection.search_cards('"', limit=10) == collection.search_cards('"', limit=10)
    assert collection.search_cards("100%_", limit=10) == []
    assert collection.search_cards('zz"zz', limit=10) == []


def test_a_tag_prefix_finds_its_tags(collection: Collection) -> None:
    relu = {r.id for r in collection.search_cards(limit=100_000) if "relu" in r.tags.split()}
    assert relu
    found = _ids(collection.search_cards(tag="rel", limit=100_000))
    assert relu <= found
    assert all(
        any(t.startswith("rel") for t in r.tags.split())
        for r in collection.search_cards(tag="rel", limit=100_000)
    )
    assert _ids(collection.search_cards("tag:rel", limit=100_000)) == found


def test_known_tags_are_every_tag_once_sorted(collection: Collection) -> None:
    tags = collection.known_tags()
    assert tags == sorted(set(tags)) and "relu" in tags and "softmax" in tags


def test_search_terms_read_tags_decks_and_filters() -> None:
    filters = {"suspended", "leech"}
    assert read_terms("relu tag:act deck:neuron is:LEECH is:nothing", filters) == SearchTerms(
        ("relu", "is:nothing"), ("act",), ("leech",), "neuron"
    )
    assert read_terms("∂L/∂z tag: x", filters).words == ("∂L/∂z", "tag:", "x")


def test_filters_suspended_and_leeches(collection: Collection) -> None:
    first, second, third = (r.id for r in collection.search_cards(limit=3))
    collection.suspend(first)
    assert _ids(collection.search_cards(filters=["suspended"])) == {first}
    assert _ids(collection.search_cards("is:suspended")) == {first}
    assert first not in _ids(collection.search_cards(include_suspended=False, limit=100_000))
    with collection.db.write_session() as session:
        from studyapp.store.models import Card

        for card_id in (second, third):
            card = session.get(Card, card_id)
            assert card is not None
            card.tags = f"{card.tags} leech".strip()
        session.commit()
    assert _ids(collection.search_cards(filters=["leech"])) == {second, third}
    assert dict(collection.card_filters())["leech"] == "leeches"


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("lapses", lambda r: r.lapses),
        ("ef", lambda r: r.easiness),
        ("interval", lambda r: r.interval),
        ("reps", lambda r: r.repetitions),
    ],
)
def test_sorting_happens_in_the_database_both_ways(collection: Collection, sort, key) -> None:
    session = collection.review()
    for quality in (5, 1, 4, 2, 5, 3, 0, 5):
        session.grade(quality)
    rows = collection.search_cards(sort=sort, limit=100_000)
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    down = collection.search_cards(sort=sort, descending=True, limit=5)
    assert [key(r) for r in down] == sorted((key(r) for r in rows), reverse=True)[:5]


def test_due_sort_puts_new_cards_last(collection: Collection) -> None:
    session = collection.review()
    for quality in (5, 4, 3):
        session.grade(quality)
    rows = collection.search_cards(sort="due", limit=100_000)
    dues = [r.due for r in rows]
    seen = [d for d in dues if d is not None]
    assert seen and dues[: len(seen)] == sorted(seen) and all(d is None for d in dues[len(seen) :])


def test_the_index_follows_edits_inserts_and_deletes(collection: Collection) -> None:
    from studyapp.store.models import Card

    card_id = collection.search_cards(limit=1)[0].id
    assert not collection.search_cards("zebraquokka")
    with collection.db.write_session() as session:
        card = session.get(Card, card_id)
        assert card is not None
        card.front = "Which zebraquokka grazes the loss surface?"
        session.commit()
    assert _ids(collection.search_cards("quokka")) == {card_id}
    with collection.db.write_session() as session:
        session.delete(session.get(Card, card_id))
        session.commit()
    assert not collection.search_cards("quokka")


def test_bundled_cards_are_added_on_the_study_day_of_the_sync(collection: Collection) -> None:
    today = collection.settings.today()
    assert {r.added for r in collection.search_cards(limit=100_000)} == {today.isoformat()}
    assert collection.search_cards(sort="added", limit=1)


def test_a_cards_history_lists_each_grade_with_intervals(collection: Collection) -> None:
    session = collection.review()
    card = session.current
    assert card is not None
    session.grade(4, duration_ms=6500)
    session.grade(
        2, duration_ms=1200
    ) if session.current and session.current.id == card.id else None
    history = collection.card_history(card.id)
    assert history[0].quality == 4 and history[0].seconds == 6.5
    assert history[0].interval_before == 0 and history[0].interval_after == 1
    assert history[0].day == collection.settings.today()
    assert collection.card_history("no-such-card") == []


def test_migration_dates_cards_by_their_first_grade(tmp_path: Path) -> None:
    import shutil

    from studyapp.store import open_database

    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema-0009.db", path)
    open_database(f"sqlite:///{path}").close()
    connection = sqlite3.connect(path)
    added = dict(connection.execute("SELECT id, added FROM cards"))
    first = dict(
        connection.execute("SELECT item_id, min(day) FROM reviews WHERE kind='card' GROUP BY 1")
    )
    fts = connection.execute("SELECT count(*) FROM cards_fts WHERE cards_fts MATCH 'ünï'")
    assert fts.fetchone() == (len(added),)
    connection.close()
    assert first and all(added[card] == day for card, day in first.items())
    assert all(added[c] == date.today().toordinal() for c in added if c not in first)


def test_the_cli_offers_every_sort_and_filter(collection: Collection) -> None:
    from studyapp.cli import FILTER_NAMES, SORT_KEYS

    assert tuple(name for name, _ in collection.card_sorts()) == SORT_KEYS
    assert tuple(name for name, _ in collection.card_filters()) == FILTER_NAMES


def test_cards_and_history_commands(db_path: Path, settings: Settings) -> None:
    from click.testing import CliRunner

    from studyapp.cli import main

    opened = Collection.open(str(db_path), settings)
    session = opened.review()
    card = session.current
    assert card is not None
    session.grade(4, duration_ms=3000)
    opened.close()
    runner = CliRunner()
    listed = runner.invoke(main, ["--db", str(db_path), "cards", "relu", "--sort", "lapses"])
    assert listed.exit_code == 0, listed.output
    assert "card(s)" in listed.output and "relu" in listed.output.lower()
    shown = runner.invoke(main, ["--db", str(db_path), "history", card.id])
    assert shown.exit_code == 0, shown.output
    assert "grade 4" in shown.output and "0d -> 1d" in shown.output
    missing = runner.invoke(main, ["--db", str(db_path), "history", "no-such-card"])
    assert missing.exit_code != 0 and "no card" in missing.output
