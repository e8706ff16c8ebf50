"""Leeches (issue 15, item 2): a card whose lapses reach `leech_threshold` is tagged and
(by default) suspended in the grade's own transaction, so the grade's undo takes it back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from studyapp.collection import Collection
from studyapp.config import Settings, parse_preference
from studyapp.drills.registry import make_problem
from studyapp.schedulers.leech import SUSPENDED, TAGGED, leech_lapse
from studyapp.store.models import Card, DrillTopic
from tests.helpers import add_cards


def _learned_card(collection: Collection, lapses: int) -> str:
    today = collection.settings.today()
    (card_id,) = add_cards(
        collection.db,
        1,
        repetitions=3,
        interval=10,
        due=today,
        lapses=lapses,
        last_review=today - timedelta(days=10),
    )
    return card_id


def _card(collection: Collection, card_id: str) -> Card:
    with collection.db.session() as session:
        card = session.get(Card, card_id)
        assert card is not None
        session.expunge(card)
        return card


@pytest.mark.parametrize(
    ("lapses", "threshold", "expected"),
    [(7, 8, False), (8, 8, True), (9, 8, False), (12, 8, True), (16, 8, True), (3, 3, True)],
)
def test_the_leech_rule_is_ankis(lapses: int, threshold: int, expected: bool) -> None:
    assert leech_lapse(lapses, threshold) is expected
    assert leech_lapse(4, 3) is True  # half of 3 is 1: every lapse after the threshold


def test_leech_preferences_are_validated() -> None:
    assert Settings().leech_threshold == 8 and Settings().leech_action == "suspend"
    assert parse_preference("leech_threshold", "5") == 5
    assert parse_preference("leech_action", "tag") == "tag"
    with pytest.raises(ValueError):
        parse_preference("leech_threshold", "0")
    with pytest.raises(ValueError):
        parse_preference("leech_action", "delete")


def test_a_lapse_at_the_threshold_tags_and_suspends_and_undo_takes_it_back(
    db_path: Path, settings: Settings
) -> None:
    collection = Collection.open(str(db_path), settings, sync=False)
    card_id = _learned_card(collection, 7)
    session = collection.review()
    assert session.current is not None and session.current.id == card_id
    session.grade(1)
    card = _card(collection, card_id)
    assert card.lapses == 8 and card.suspended and card.tags.split() == ["t1", "t2", "leech"]
    assert session.leech is not None
    assert session.leech[0].id == card_id and session.leech[1] == TAGGED | SUSPENDED
    assert session.current is None  # a suspended leech is not asked again today
    assert collection.home().leeches == 1
    session.undo()
    card = _card(collection, card_id)
    assert (card.lapses, card.suspended, card.tags) == (7, False, "t1 t2")
    assert session.leech is None and collection.home().leeches == 0


def test_leech_action_tag_only_tags(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings, sync=False)
    collection.set_preference("leech_action", "tag")
    card_id = _learned_card(collection, 7)
    session = collection.review()
    session.grade(0)
    card = _card(collection, card_id)
    assert not card.suspended and "leech" in card.tags.split()
    assert session.leech is not None and session.leech[1] == TAGGED
    assert session.current is not None and session.current.id == card_id  # asked again


def test_a_lapse_below_the_threshold_does_nothing(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings, sync=False)
    card_id = _learned_card(collection, 5)
    session = collection.review()
    session.grade(1)
    card = _card(collection, card_id)
    assert (card.lapses, card.suspended, card.tags) == (6, False, "t1 t2")
    assert session.leech is None


def test_a_lower_threshold_applies(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), replace(settings), sync=False)
    collection.set_preference("leech_threshold", "2")
    card_id = _learned_card(collection, 1)
    collection.review().grade(2)
    assert _card(collection, card_id).suspended


def test_a_leech_topic_opens_with_a_worked_example_once(db_path: Path, settings: Settings) -> None:
    collection = Collection.open(str(db_path), settings, sync=False)
    collection.sync_topics()
    with collection.db.session() as session, session.begin():
        topic = session.get(DrillTopic, "softmax")
        assert topic is not None
        topic.lapses = 8
    drill = collection.drill(["softmax", "mse"], seed=3)
    assert drill.problem is not None and drill.worked_example is not None
    example = drill.worked_example
    assert example.topic == "softmax" and example.seed != drill.problem.seed
    assert drill.problem.prompt.startswith("This topic keeps slipping")
    assert example.steps[-1] in drill.problem.prompt  # shown solved, to the last step
    fresh = make_problem("softmax", drill.problem.seed, drill.problem.difficulty)
    assert drill.problem.prompt.endswith("Now a fresh one:\n\n" + fresh.prompt)
    drill.submit("1, 2, 3")
    drill.next()  # mse: not a leech
    assert drill.worked_example is None
    drill.submit("0.5")
    drill.next()  # softmax again in this session: no second example
    assert drill.problem is not None and drill.problem.topic == "softmax"
    assert drill.worked_example is None and "keeps slipping" not in drill.problem.prompt


def test_a_backup_keeps_the_leech_and_cram_marks(db_path: Path, settings: Settings) -> None:
    from studyapp.review.custom import CustomStudy
    from studyapp.store.models import Review
    from studyapp.transfer.restore import check_document

    collection = Collection.open(str(db_path), settings, sync=False)
    card_id = _learned_card(collection, 7)
    collection.review().grade(1)  # a leech: tagged and suspended
    collection.suspend(card_id, False)
    collection.custom_review(CustomStudy("cram", deck="basics")).grade(5)
    document = collection.export_json()
    assert [(r["cram"], r["leech"]) for r in document["reviews"]] == [
        (False, TAGGED | SUSPENDED),
        (True, 0),
    ]
    collection.restore(check_document(document), replace=True)
    with collection.db.session() as session:
        marks = [(r.cram, r.leech) for r in session.query(Review).order_by(Review.id)]
    assert marks == [(False, TAGGED | SUSPENDED), (True, 0)]
