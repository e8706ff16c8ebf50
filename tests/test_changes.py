"""Suspend and reset are undoable in the session, exactly (issue 15, item 5)."""

from __future__ import annotations

from pathlib import Path

from studyapp.collection import Collection
from studyapp.config import Settings


def _collection(db_path: Path, settings: Settings) -> Collection:
    return Collection.open(str(db_path), settings)


def _schedule(collection: Collection, card_id: str) -> tuple[object, ...]:
    card = collection.card(card_id)
    assert card is not None
    row = next(r for r in collection.search_cards(limit=100_000) if r.id == card_id)
    return (row.easiness, row.repetitions, row.interval, row.due, row.lapses, row.suspended)


def test_suspend_then_undo_puts_it_back(db_path: Path, settings: Settings) -> None:
    collection = _collection(db_path, settings)
    card_id = collection.search_cards(limit=1)[0].id
    before = _schedule(collection, card_id)
    collection.suspend(card_id)
    assert _schedule(collection, card_id)[-1] is True
    assert collection.undo_change() == f"Suspended {card_id}"
    assert _schedule(collection, card_id) == before
    assert collection.undo_change() is None


def test_reset_of_a_reviewed_card_is_undone_exactly(db_path: Path, settings: Settings) -> None:
    collection = _collection(db_path, settings)
    session = collection.review()
    first = session.current
    assert first is not None
    session.grade(5)
    reviewed = _schedule(collection, first.id)
    assert reviewed[3] is not None
    collection.reset(first.id)
    assert _schedule(collection, first.id)[3] is None
    collection.suspend(first.id)
    assert collection.undo_change() == f"Suspended {first.id}"
    assert collection.undo_change() == f"Reset {first.id}"
    assert _schedule(collection, first.id) == reviewed
