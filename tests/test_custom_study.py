"""Custom study (issue 15, item 3): more new cards today, review ahead, cram, today's
failures, drill a family. None of it may corrupt the schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.review.custom import CustomStudy
from studyapp.schedulers.sm2 import Sm2State, review
from studyapp.store.models import Card
from tests.helpers import add_cards

SCHEDULE = (
    "SELECT id, easiness, repetitions, interval, due, lapses, last_review, suspended,"
    " fsrs_stability, fsrs_difficulty, fsrs_due FROM cards ORDER BY id"
)


RETENTION_TOTALS = (
    "SELECT day, kind, graded, graded_correct, new_seen, young_graded, young_passed,"
    " mature_graded, mature_passed FROM daily_totals ORDER BY day, kind"
)


def _open(db_path: Path, settings: Settings) -> Collection:
    return Collection.open(str(db_path), settings, sync=False)


def _rows(collection: Collection, sql: str) -> list[tuple[object, ...]]:
    with collection.db.session() as session:
        return [tuple(row) for row in session.execute(text(sql))]


def _state(collection: Collection, card_id: str) -> Sm2State:
    card = collection.card(card_id)
    assert card is not None
    return card.state


def _grade_all(collection: Collection, custom: CustomStudy, grades: list[int]) -> int:
    session = collection.custom_review(custom)
    given = 0
    while session.current is not None:
        session.grade(grades[given % len(grades)])
        given += 1
    return given


def test_more_new_cards_today_raises_todays_limit_only(
    db_path: Path, settings: Settings, clock: FixedClock
) -> None:
    collection = _open(db_path, settings)
    collection.set_preference("new_per_day", "2")
    add_cards(collection.db, 6)
    assert collection.home().new_available == 2
    assert collection.more_new_today(3) == 3
    assert collection.home().new_available == 5
    assert collection.home().extra_new == 3
    assert len(collection.plan().cards) == 5
    assert len(collection.review().queue) == 5
    again = _open(db_path, settings)  # stored: a restart keeps today's extra
    assert again.home().new_available == 5
    assert again.preferences()["new_per_day"] == 2
    clock.advance(days=1)
    assert again.home().new_available == 2  # today only
    assert collection.undo_change() == "3 more new cards today"
    clock.advance(days=-1)
    assert collection.home().new_available == 2
    with pytest.raises(ValueError):
        collection.more_new_today(0)


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_a_cram_leaves_the_schedule_bit_identical(
    db_path: Path, settings: Settings, scheduler: str
) -> None:
    collection = _open(db_path, settings)
    today = settings.today()
    add_cards(collection.db, 3, deck="crammed")
    add_cards(
        collection.db,
        3,
        deck="crammed",
        repetitions=3,
        interval=12,
        due=today + timedelta(days=5),
        last_review=today - timedelta(days=7),
        lapses=7,  # a failure would make a leech, were it a real grade
    )
    add_cards(collection.db, 2, deck="other", due=today, repetitions=1, interval=1)
    normal = collection.review(["other"])
    normal.grade(1)  # a card graded today, then crammed
    collection.set_preference("scheduler", scheduler)
    before = _rows(collection, SCHEDULE)
    totals = _rows(collection, RETENTION_TOTALS)
    given = _grade_all(collection, CustomStudy("cram", deck="crammed"), [0, 5, 2, 4, 1])
    given += _grade_all(collection, CustomStudy("cram", tag="t1"), [5, 4])
    assert given >= 14
    assert _rows(collection, SCHEDULE) == before
    crams = _rows(collection, "SELECT repeat, cram FROM reviews WHERE cram")
    assert len(crams) == given and all(repeat for repeat, _ in crams)
    assert _rows(collection, RETENTION_TOTALS) == totals  # retention and limits untouched
    assert _rows(collection, "SELECT sum(reviews) FROM daily_totals")[0][0] >= given  # seen


def test_a_cram_undo_removes_its_log_row(db_path: Path, settings: Settings) -> None:
    collection = _open(db_path, settings)
    add_cards(collection.db, 2)
    before = _rows(collection, SCHEDULE)
    session = collection.custom_review(CustomStudy("cram", deck="basics"))
    session.grade(1)
    session.undo()
    assert _rows(collection, "SELECT count(*) FROM reviews") == [(0,)]
    assert _rows(collection, SCHEDULE) == before


def test_a_cram_that_reschedules_is_ordinary_grading(db_path: Path, settings: Settings) -> None:
    collection = _open(db_path, settings)
    (card_id,) = add_cards(collection.db, 1)
    session = collection.custom_review(CustomStudy("cram", deck="basics", reschedule=True))
    session.grade(5)
    assert _state(collection, card_id).due == settings.today() + timedelta(days=1)
    assert _rows(collection, "SELECT cram, repeat FROM reviews") == [(False, False)]


def test_review_ahead_schedules_from_the_actual_review_day(
    db_path: Path, settings: Settings
) -> None:
    collection = _open(db_path, settings)
    today = settings.today()
    soon, later = add_cards(
        collection.db,
        2,
        repetitions=2,
        interval=6,
        last_review=today - timedelta(days=3),
        easiness=2.5,
    )
    with collection.db.session() as session, session.begin():
        session.get(Card, soon).due = today + timedelta(days=3)  # type: ignore[union-attr]
        session.get(Card, later).due = today + timedelta(days=9)  # type: ignore[union-attr]
    assert collection.review().total == 0
    before = _state(collection, soon)
    session = collection.custom_review(CustomStudy("ahead", days=5))
    assert list(session.queue) == [soon]
    session.grade(4)
    expected = review(before, 4, today)
    assert _state(collection, soon) == expected
    assert expected.last_review == today and expected.due == today + timedelta(
        days=expected.interval
    )
    assert collection.custom_count(CustomStudy("ahead", days=5)) == 0  # graded today
    assert collection.custom_count(CustomStudy("ahead", days=9)) == 1
    with pytest.raises(ValueError):
        CustomStudy("ahead", days=0)


def test_again_todays_failures_asks_them_as_repeats(db_path: Path, settings: Settings) -> None:
    collection = _open(db_path, settings)
    failed, _passed = add_cards(collection.db, 2)
    session = collection.review()
    session.grade(1)  # the first card, failed
    session.grade(5)  # the second, passed
    session.grade(4)  # the first again, passed: the normal session is over
    assert session.current is None
    after_day = _state(collection, failed)
    again = collection.custom_review(CustomStudy("failures"))
    assert list(again.queue) == [failed]
    again.grade(2)
    again.grade(5)
    assert _state(collection, failed) == after_day  # same-day repeats: no reschedule
    assert again.current is None


def test_drill_families_cover_every_topic_once() -> None:
    from studyapp.drills import registry

    families = Collection.drill_families()
    topics = [topic for _, _, ids in families for topic in ids]
    assert sorted(topics) == sorted(registry())
    assert all(title and title[0].isupper() for _, title, _ in families)


def test_todays_failures_are_found_after_an_import_too(
    db_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.review import custom

    collection = _open(db_path, settings)
    first, second, third = add_cards(collection.db, 3)
    session = collection.review()
    for quality in (1, 5, 2):  # first and third failed
        session.grade(quality)
    assert collection.custom_cards(CustomStudy("failures")) == [first, third]
    monkeypatch.setattr(custom, "FAILURES_PAGE", 2)
    monkeypatch.setattr(custom, "FAILURES_SCAN", 2)
    at_the_end = custom._todays_failures_at_the_end
    answers: list[object] = []
    monkeypatch.setattr(
        custom,
        "_todays_failures_at_the_end",
        lambda *args: answers.append(at_the_end(*args)) or answers[-1],
    )
    assert collection.custom_cards(CustomStudy("failures")) == [first, third]
    assert answers == [[first, third]]  # found at the log's end
    for _ in range(3):  # an import after today's grades: older days' rows at the end
        with collection.db.session() as db_session, db_session.begin():
            db_session.execute(
                text(
                    "INSERT INTO reviews (kind, item_id, reviewed_at, day, quality, duration_ms,"
                    " repeat, prev_easiness, prev_repetitions, prev_interval, prev_lapses,"
                    " easiness, repetitions, interval, lapses)"
                    " SELECT kind, item_id, reviewed_at, day - 30, 0, 0, 0, prev_easiness,"
                    " prev_repetitions, prev_interval, prev_lapses, easiness, repetitions,"
                    " interval, lapses FROM reviews WHERE quality > 0"
                )
            )
    assert collection.custom_cards(CustomStudy("failures")) == [first, third]
    assert answers[-1] is None  # not all at the end: the whole log was asked
    assert second not in collection.custom_cards(CustomStudy("failures"))
