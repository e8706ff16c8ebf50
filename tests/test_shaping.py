"""Cards a learner shapes (issue 15, items 1 and 5): add to a deck of their own, edit
(own and bundled cards, the bundled edit kept over later deck updates), revert, flag;
every change undone exactly in the session."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from studyapp.collection import CardProblem, Collection
from studyapp.config import Settings, content_dir

CARD = "act-sigmoid-formula"
FILE = "activations.toml"
OLD_BACK = "σ(z) = 1 / (1 + e^(−z)), with outputs in the open interval (0, 1); σ(0) = 0.5."


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(content_dir(), folder)
    return folder


def _open(db_path: Path, settings: Settings, content: Path) -> Collection:
    return Collection.open(str(db_path), settings, content=content)


def _fields(**changes: str | None) -> dict[str, str | None]:
    return {"front": "f", "back": "b", "mnemonic": None, "why": None, "tags": ""} | changes


def test_an_added_card_is_new_in_a_deck_made_on_the_spot_and_comes_today(
    db_path: Path, settings: Settings, content: Path
) -> None:
    collection = _open(db_path, settings, content)
    card_id = collection.add_card(
        "My notes", _fields(front="What does ReLU give for −3?", back="0", tags="relu, mine")
    )
    assert collection.own_decks() == [("own-my-notes", "My notes")]
    card = collection.card(card_id)
    assert card is not None and card.is_new and card.tags == ("relu", "mine")
    assert card_id in [c.id for c in collection.plan().cards]
    second = collection.add_card("my notes", _fields(front="Two?"))  # the same deck
    assert collection.card_text(second).deck_id == "own-my-notes" and second != card_id


def test_a_card_needs_a_front_a_back_and_a_deck(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings)
    with pytest.raises(CardProblem, match="front"):
        collection.add_card("Mine", _fields(front="  "))
    with pytest.raises(CardProblem, match="deck"):
        collection.add_card(" ", _fields())
    assert collection.own_decks() == [] and len(collection.changes) == 0


def test_undo_of_an_add_removes_the_card_and_its_new_deck(
    db_path: Path, settings: Settings
) -> None:
    collection = Collection.open(str(db_path), settings)
    card_id = collection.add_card("Mine", _fields())
    assert collection.undo_change() == f"Added {card_id}"
    assert collection.card(card_id) is None and collection.own_decks() == []


def test_an_add_is_not_undone_once_the_card_was_reviewed(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings)
    card_id = collection.add_card("Mine", _fields())
    session = collection.review(["own-mine"])
    assert session.current is not None and session.current.id == card_id
    session.grade(5)
    with pytest.raises(CardProblem, match="reviewed"):
        collection.undo_change()
    assert collection.card(card_id) is not None


def test_editing_an_own_card_keeps_id_history_and_is_undone(
    db_path: Path, settings: Settings
) -> None:
    collection = Collection.open(str(db_path), settings)
    card_id = collection.add_card("Mine", _fields(front="old"))
    collection.review(["own-mine"]).grade(5)
    due = collection.card(card_id).state.due  # type: ignore[union-attr]
    assert collection.edit_card(card_id, _fields(front="new", why="because"))
    card = collection.card(card_id)
    assert card is not None and (card.front, card.why, card.state.due) == ("new", "because", due)
    assert not collection.card_text(card_id).overridden  # own decks are edited in place
    assert not collection.edit_card(card_id, _fields(front="new", why="because"))
    assert collection.undo_change() == f"Edited {card_id}"
    assert collection.card(card_id).front == "old"  # type: ignore[union-attr]


def test_a_bundled_edit_survives_a_deck_update_and_revert_gives_the_new_text(
    db_path: Path, settings: Settings, content: Path
) -> None:
    collection = _open(db_path, settings, content)
    text = collection.card_text(CARD)
    assert text.bundled_deck and not text.overridden and text.back == OLD_BACK
    collection.edit_card(CARD, text.fields | {"back": "My own words for sigmoid."})
    assert collection.card_text(CARD).overridden
    assert collection.overrides()[0]["fields"] == {"back": "My own words for sigmoid."}
    collection.close()

    deck = content / FILE  # the bundled deck is updated: this card's back and front change
    source = deck.read_text(encoding="utf-8")
    source = source.replace(OLD_BACK, "σ(z) = 1/(1+e^−z), in (0, 1).")
    source = source.replace("Sigmoid: formula and output range?", "Sigmoid's formula and range?")
    deck.write_text(source, encoding="utf-8")
    collection = _open(db_path, settings, content)
    card = collection.card(CARD)
    assert card is not None
    assert card.back == "My own words for sigmoid."  # the learner's text stays
    assert card.front == "Sigmoid's formula and range?"  # a field they left follows the deck
    collection.revert_card(CARD)
    assert collection.card(CARD).back == "σ(z) = 1/(1+e^−z), in (0, 1)."  # type: ignore[union-attr]
    assert not collection.card_text(CARD).overridden and collection.overrides() == []
    assert collection.undo_change() == f"Reverted {CARD}"  # the learner's text and override back
    assert collection.card(CARD).back == "My own words for sigmoid."  # type: ignore[union-attr]
    assert collection.card_text(CARD).overridden


def test_undo_of_a_bundled_edit_restores_text_and_no_override(
    db_path: Path, settings: Settings, content: Path
) -> None:
    collection = _open(db_path, settings, content)
    before = collection.card_text(CARD)
    collection.edit_card(CARD, before.fields | {"tags": "mine"})
    collection.edit_card(CARD, before.fields | {"tags": "mine", "why": "two"})
    collection.undo_change()
    assert collection.overrides()[0]["fields"] == {"tags": "mine"}
    collection.undo_change()
    assert collection.card_text(CARD) == before and collection.overrides() == []


def test_editing_a_bundled_card_back_to_its_text_drops_the_override(
    db_path: Path, settings: Settings, content: Path
) -> None:
    collection = _open(db_path, settings, content)
    before = collection.card_text(CARD)
    collection.edit_card(CARD, before.fields | {"back": "x"})
    collection.edit_card(CARD, before.fields)
    assert collection.overrides() == [] and collection.card_text(CARD) == before
    with pytest.raises(LookupError):
        collection.revert_card(CARD)


def test_flags_are_listed_replaced_removed_and_undone(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings)
    collection.flag_card(CARD, "wrong", "  the range is open  ")
    listed = collection.flags()
    assert listed == [
        {
            "card": CARD,
            "deck": "activations",
            "deck_name": listed[0]["deck_name"],
            "front": "Sigmoid: formula and output range?",
            "kind": "wrong",
            "note": "the range is open",
            "flagged_at": listed[0]["flagged_at"],
        }
    ]
    assert datetime.fromisoformat(listed[0]["flagged_at"]) == settings.clock.now()
    assert listed[0]["flagged_at"].endswith("+00:00")  # stored and listed in UTC
    assert collection.card_marks() == {CARD: "⚑"}
    collection.flag_card(CARD, "unclear")
    assert collection.flags()[0]["kind"] == "unclear" and collection.card_marks()[CARD] == "?"
    collection.unflag_card(CARD)
    assert collection.flags() == []
    assert collection.undo_change() == f"Unflagged {CARD}"
    assert collection.flags()[0]["kind"] == "unclear"
    collection.undo_change()
    assert collection.flags()[0]["note"] == "the range is open"
    assert collection.undo_change() == f"Flagged {CARD} as wrong"
    assert collection.flags() == []
    with pytest.raises(ValueError):
        collection.flag_card(CARD, "boring")
