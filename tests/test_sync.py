"""Deck files into the database by stable id: incremental, history-keeping, retiring."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import studyapp.decks.sync as sync_module
from studyapp.decks.sync import sync_bundled_decks
from studyapp.review.cards import ReviewSession
from studyapp.store.models import Card, Deck, Review


def deck_file(
    folder: Path, deck_id: str, cards: list[tuple[str, str]], name: str | None = None
) -> Path:
    lines = [
        "[deck]",
        f'id = "{deck_id}"',
        f'name = "{name or deck_id.title()}"',
        'description = "test"',
        "",
    ]
    for card_id, front in cards:
        lines += [
            "[[cards]]",
            f'id = "{card_id}"',
            f'front = "{front}"',
            'back = "an answer"',
            'tags = ["t"]',
            "",
        ]
    path = folder / f"{deck_id}.toml"
    path.write_text("\n".join(lines))
    return path


def cards_in(db) -> dict[str, tuple[str, str, bool]]:
    with db.session() as session:
        return {c.id: (c.deck_id, c.front, c.retired) for c in session.scalars(select(Card))}


def test_first_sync_adds_every_card_in_file_order(db, tmp_path) -> None:
    deck_file(tmp_path, "alpha", [("a1", "one"), ("a2", "two")])
    deck_file(tmp_path, "beta", [("b1", "three")])
    report = sync_bundled_decks(db, tmp_path)
    assert (report.added, report.errors) == (3, [])
    with db.session() as session:
        order = list(session.scalars(select(Card.id).order_by(Card.position)))
    assert order == ["a1", "a2", "b1"]


def test_unchanged_files_are_not_parsed_again(db, tmp_path, monkeypatch) -> None:
    deck_file(tmp_path, "alpha", [("a1", "one")])
    sync_bundled_decks(db, tmp_path)

    def refuse(path):
        raise AssertionError(f"{path} parsed although unchanged")

    monkeypatch.setattr(sync_module, "parse_deck", refuse)
    report = sync_bundled_decks(db, tmp_path)
    assert not report.changed and report.errors == []


def test_edited_text_keeps_the_schedule_and_history(db, tmp_path, settings) -> None:
    path = deck_file(tmp_path, "alpha", [("a1", "one")])
    sync_bundled_decks(db, tmp_path)
    ReviewSession(db, settings).grade(5)
    path.write_text(path.read_text().replace('"one"', '"one, reworded"'))
    report = sync_bundled_decks(db, tmp_path)
    assert report.updated == 1 and report.added == 0
    with db.session() as session:
        card = session.get(Card, "a1")
        assert (card.front, card.repetitions, card.interval) == ("one, reworded", 1, 1)
        assert session.scalar(select(func.count()).select_from(Review)) == 1


def test_a_removed_card_is_retired_and_revived_with_its_history(db, tmp_path, settings) -> None:
    deck_file(tmp_path, "alpha", [("a1", "one"), ("a2", "two")])
    sync_bundled_decks(db, tmp_path)
    ReviewSession(db, settings).grade(4)  # a1 gets a schedule
    deck_file(tmp_path, "alpha", [("a2", "two")])
    assert sync_bundled_decks(db, tmp_path).retired == 1
    assert cards_in(db)["a1"][2] is True
    assert list(ReviewSession(db, settings).queue) == ["a2"]
    deck_file(tmp_path, "alpha", [("a1", "one"), ("a2", "two")])
    sync_bundled_decks(db, tmp_path)
    with db.session() as session:
        card = session.get(Card, "a1")
        assert (card.retired, card.repetitions) == (False, 1)


def test_a_deck_of_more_cards_than_sql_variables_syncs_and_retires(
    few_sql_variables, db, tmp_path
) -> None:
    many = [(f"c{i}", f"question {i}") for i in range(3000)]
    deck_file(tmp_path, "big", many)
    assert sync_bundled_decks(db, tmp_path).added == 3000
    deck_file(tmp_path, "big", many[1:])
    report = sync_bundled_decks(db, tmp_path)
    assert (report.retired, report.errors) == (1, [])
    assert [c for c, (_, _, retired) in cards_in(db).items() if retired] == ["c0"]


def test_a_deleted_file_retires_its_deck(db, tmp_path) -> None:
    path = deck_file(tmp_path, "alpha", [("a1", "one")])
    deck_file(tmp_path, "beta", [("b1", "two")])
    sync_bundled_decks(db, tmp_path)
    path.unlink()
    assert sync_bundled_decks(db, tmp_path).retired == 1
    with db.session() as session:
        assert session.get(Deck, "alpha").retired
    assert cards_in(db)["b1"][2] is False


def test_a_malformed_deck_is_reported_and_the_others_still_load(db, tmp_path) -> None:
    deck_file(tmp_path, "good", [("g1", "fine")])
    bad = tmp_path / "bad.toml"
    bad.write_text('[deck]\nid = "bad"\nname = "Bad"\n\n[[cards]]\nid = "x1"\nfront = "no back"\n')
    report = sync_bundled_decks(db, tmp_path)
    assert [str(e.path) for e in report.errors] == [str(bad)]
    assert report.errors[0].line is not None and "back" in str(report.errors[0])
    assert set(cards_in(db)) == {"g1"}


def test_a_card_may_move_to_another_deck_but_not_be_claimed_twice(db, tmp_path) -> None:
    deck_file(tmp_path, "alpha", [("shared", "one")])
    deck_file(tmp_path, "beta", [("b1", "two")])
    sync_bundled_decks(db, tmp_path)
    deck_file(tmp_path, "alpha", [])
    deck_file(tmp_path, "beta", [("b1", "two"), ("shared", "one")])
    report = sync_bundled_decks(db, tmp_path)
    assert report.errors == [] and cards_in(db)["shared"] == ("beta", "one", False)
    deck_file(tmp_path, "gamma", [("shared", "again")])
    report = sync_bundled_decks(db, tmp_path)
    assert len(report.errors) == 1 and "shared" in str(report.errors[0])
    assert cards_in(db)["shared"] == ("beta", "one", False)


@pytest.mark.parametrize("missing", [True, False])
def test_an_empty_or_missing_folder_changes_nothing(db, tmp_path, missing) -> None:
    folder = tmp_path / "none" if missing else tmp_path
    report = sync_bundled_decks(db, folder)
    assert not report.changed and report.errors == []
