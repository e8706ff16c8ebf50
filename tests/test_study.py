"""Review sessions against a real SQLite file: queue order, limits, commits, same-day
repeats, undo, suspend and reset."""

from __future__ import annotations

import json
import shutil
from collections import deque
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from studyapp.config import FixedClock, Settings, study_day
from studyapp.review.cards import ReviewSession, reset_card, set_suspended
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import open_database
from studyapp.store.errors import GradeSuperseded, NothingToUndo
from studyapp.store.models import Card, Review
from studyapp.store.rows import state_of
from studyapp.transfer.backup import export_json
from studyapp.transfer.restore import check_document, restore_json
from tests.conftest import LOCAL, NOON
from tests.helpers import add_cards, assert_totals_match_log

TODAY = date(2026, 3, 10)


def card_state(db, card_id):
    with db.session() as session:
        return state_of(session.get(Card, card_id))


def test_queue_puts_most_overdue_reviews_first_then_new_cards_in_order(db, settings) -> None:
    new = add_cards(db, 3, deck="a")
    late = add_cards(db, 1, deck="b", due=TODAY - timedelta(days=5), repetitions=2, interval=6)
    later = add_cards(db, 1, deck="b", due=TODAY - timedelta(days=9), repetitions=2, interval=6)
    add_cards(db, 1, deck="b", due=TODAY + timedelta(days=1), repetitions=1, interval=1)
    session = ReviewSession(db, settings)
    assert list(session.queue) == later + late + new


def test_queue_respects_daily_limits_and_deck_filter(db, clock) -> None:
    add_cards(db, 5, deck="a")
    add_cards(db, 5, deck="b", due=TODAY, repetitions=1, interval=1)
    limited = Settings(new_per_day=2, reviews_per_day=3, clock=clock)
    assert len(ReviewSession(db, limited).queue) == 5
    only_a = ReviewSession(db, limited, deck_ids=["a"])
    assert list(only_a.queue) == ["a-000", "a-001"]
    for _ in range(2):
        only_a.grade(5)
    assert list(ReviewSession(db, limited, deck_ids=["a"]).queue) == []


def test_a_grade_is_committed_before_the_next_card_is_shown(db, db_path, settings) -> None:
    add_cards(db, 2)
    session = ReviewSession(db, settings)
    first = session.current.id
    session.grade(4, duration_ms=1500)
    # A separate connection (another process would see the same) finds it already.
    other = create_engine(f"sqlite:///{db_path}")
    with other.connect() as connection:
        row = connection.execute(
            text("SELECT item_id, quality, duration_ms, repetitions, interval, due FROM reviews")
        ).one()
        card = connection.execute(
            text("SELECT repetitions, interval, due FROM cards WHERE id = :id"), {"id": first}
        ).one()
    other.dispose()
    tomorrow = date(2026, 3, 11).toordinal()  # days are stored as ordinals
    assert row == (first, 4, 1500, 1, 1, tomorrow)
    assert card == (1, 1, tomorrow)
    assert session.current.id != first


def test_cards_below_four_come_back_and_repeats_do_not_reschedule(db, settings) -> None:
    [card] = add_cards(db, 1)
    session = ReviewSession(db, settings)
    after_first = session.grade(2)
    assert (after_first.repetitions, after_first.interval) == (0, 1)
    assert session.current.id == card and session.is_repeat
    assert session.intervals()[4] == 1
    session.grade(3)  # still below 4: again
    assert session.current.id == card
    session.grade(4)
    assert session.current is None
    assert card_state(db, card) == after_first
    with db.session() as s:
        rows = s.execute(select(Review.quality, Review.repeat).order_by(Review.id)).all()
    assert rows == [(2, False), (3, True), (4, True)]
    summary = session.summary()
    assert (summary.graded, summary.cards, summary.correct, summary.repeats) == (3, 1, 0, 2)
    assert summary.due_tomorrow == 1


def test_a_first_grade_of_three_passes_but_is_asked_again(db, settings) -> None:
    [card] = add_cards(db, 1)
    session = ReviewSession(db, settings)
    assert session.grade(3).repetitions == 1
    assert session.current.id == card
    session.grade(5)
    assert card_state(db, card).repetitions == 1


def test_undo_restores_state_and_log_exactly_several_steps_deep(db, settings) -> None:
    ids = add_cards(db, 2, due=TODAY, repetitions=3, interval=10, easiness=2.36, lapses=1)
    add_cards(db, 1, deck="new")
    before = {card_id: card_state(db, card_id) for card_id in [*ids, "new-002"]}
    session = ReviewSession(db, settings)
    queue_before = list(session.queue)
    session.grade(5)
    session.grade(1)
    session.grade(4)
    assert session.undo() == "new-002"
    assert session.undo() == ids[1]
    assert session.undo() == ids[0]
    with pytest.raises(NothingToUndo):
        session.undo()
    assert {card_id: card_state(db, card_id) for card_id in before} == before
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0
    with db.engine.connect() as connection:
        assert_totals_match_log(connection.connection.driver_connection)
    assert list(session.queue) == queue_before and session.done == 0


def test_undo_takes_back_a_same_day_repeat_and_then_the_first_grade(db, settings) -> None:
    [card] = add_cards(db, 1, due=TODAY, repetitions=2, interval=6, easiness=2.5)
    before = card_state(db, card)
    session = ReviewSession(db, settings)
    session.grade(2)
    failed = card_state(db, card)
    session.grade(4)  # the repeat: logged, no reschedule
    assert session.undo() == card
    assert card_state(db, card) == failed
    assert session.undo() == card
    assert card_state(db, card) == before
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0


def log_rows(db):
    with db.session() as s:
        return [
            (r.id, r.item_id, r.quality, r.easiness, r.interval, r.due)
            for r in s.scalars(select(Review).order_by(Review.id))
        ]


def test_undo_after_a_reset_elsewhere_is_refused(db, settings) -> None:
    """Taking the grade back would undo the reset too."""
    [card] = add_cards(db, 1, due=TODAY, repetitions=2, interval=6)
    session = ReviewSession(db, settings)
    session.grade(5)
    reset_card(db, card)
    logged = log_rows(db)
    with pytest.raises(GradeSuperseded):
        session.undo()
    assert card_state(db, card) == Sm2State() and log_rows(db) == logged
    with pytest.raises(NothingToUndo):
        session.undo()


def test_undo_after_another_connections_restore_deletes_no_other_cards_review(
    db, db_path, template_db, tmp_path, settings
) -> None:
    """Another terminal restores a backup (import --replace) whose review ids are reused for
    other cards' grades: the session's review id now names a grade of a different card."""
    [alpha_id] = add_cards(db, 1, deck="alpha")
    [beta_id] = add_cards(db, 1, deck="beta")
    session = ReviewSession(db, settings, deck_ids=["beta"])
    session.grade(5)
    elsewhere_path = tmp_path / "elsewhere.db"  # the same decks, studied on another machine
    shutil.copy(template_db, elsewhere_path)
    elsewhere = open_database(f"sqlite:///{elsewhere_path}")
    add_cards(elsewhere, 1, deck="alpha")
    add_cards(elsewhere, 1, deck="beta")
    ReviewSession(elsewhere, settings, deck_ids=["alpha"]).grade(4)
    backup = json.loads(json.dumps(export_json(elsewhere)))
    elsewhere.close()
    restorer = open_database(f"sqlite:///{db_path}")
    restore_json(restorer, check_document(backup), replace=True)
    restorer.close()
    logged, alpha = log_rows(db), card_state(db, alpha_id)
    assert [row[1] for row in logged] == [alpha_id]
    with pytest.raises(GradeSuperseded):
        session.undo()
    assert log_rows(db) == logged and card_state(db, alpha_id) == alpha
    assert card_state(db, beta_id) == Sm2State()
    with db.engine.connect() as connection:
        assert_totals_match_log(connection.connection.driver_connection)


def test_undo_of_a_failed_card_removes_its_same_day_return(db, settings) -> None:
    add_cards(db, 2)
    session = ReviewSession(db, settings)
    session.grade(0)
    assert list(session.queue) == ["basics-001", "basics-000"]
    session.undo()
    assert list(session.queue) == ["basics-000", "basics-001"]


def test_a_grade_keeps_its_undo_in_constant_room(db, settings) -> None:
    """Each grade copied the whole queue (tens of thousands of ids at 100,000 cards) for its
    undo: a millisecond per grade, and the collector walked every copy, so that grades
    spiked to a second after a few hundred. What a grade changed is kept instead."""
    add_cards(db, 40)
    session = ReviewSession(db, settings)
    for quality in (5, 1, 4, 0, 3):
        session.grade(quality)
    for snapshot in session._history:
        assert not any(isinstance(v, (deque, dict, list)) for v in vars(snapshot).values())


@pytest.mark.parametrize("bad", [-1, 6, 2.5, True, "3", None])
def test_a_grade_out_of_range_is_refused_and_changes_nothing(db, settings, bad) -> None:
    [card] = add_cards(db, 1)
    session = ReviewSession(db, settings)
    with pytest.raises(ValueError):
        session.grade(bad)
    assert card_state(db, card) == Sm2State()
    assert session.current.id == card


def test_the_day_rolls_over_at_four_in_the_morning(db) -> None:
    early = datetime(2026, 3, 11, 3, 59, tzinfo=LOCAL)
    assert study_day(early, 4) == date(2026, 3, 10)
    assert study_day(early + timedelta(minutes=1), 4) == date(2026, 3, 11)
    add_cards(db, 1, due=date(2026, 3, 11), repetitions=1, interval=1)
    assert list(ReviewSession(db, Settings(clock=FixedClock(early))).queue) == []
    assert (
        len(ReviewSession(db, Settings(clock=FixedClock(early + timedelta(minutes=1)))).queue) == 1
    )


def test_suspend_hides_a_card_and_reset_makes_it_new(db, settings) -> None:
    [card] = add_cards(db, 1, due=TODAY, repetitions=4, interval=30, easiness=2.7, lapses=2)
    set_suspended(db, card, True)
    assert list(ReviewSession(db, settings).queue) == []
    set_suspended(db, card, False)
    assert list(ReviewSession(db, settings).queue) == [card]
    reset_card(db, card)
    assert card_state(db, card) == Sm2State()
    with pytest.raises(LookupError):
        set_suspended(db, "nope", True)


def test_intervals_preview_what_each_grade_would_give(db, settings) -> None:
    add_cards(db, 1, due=TODAY, repetitions=2, interval=6, easiness=2.5)
    session = ReviewSession(db, settings)
    # q=3: EF 2.36, 6 × 2.36 = 14.16 -> 15; q=4: 6 × 2.5 = 15; q=5: 6 × 2.6 = 15.6 -> 16
    assert session.intervals() == {0: 1, 1: 1, 2: 1, 3: 15, 4: 15, 5: 16}


def test_noon_fixture_is_mid_day() -> None:
    assert study_day(NOON, 4) == TODAY


def test_a_walked_away_review_counts_sixty_seconds_at_most(db, settings) -> None:
    add_cards(db, 2)
    session = ReviewSession(db, settings)
    session.grade(4, duration_ms=3_600_000)  # an hour: the learner left
    session.grade(4, duration_ms=-5)  # a clock that went backwards
    with db.session() as s:
        assert list(s.scalars(select(Review.duration_ms).order_by(Review.id))) == [60_000, 0]
    assert session.summary().seconds == 60


def test_a_card_changed_by_another_writer_after_showing_is_graded_from_its_new_state(
    db, settings
) -> None:
    [card_id] = add_cards(db, 1)
    session = ReviewSession(db, settings)
    assert session.current.state == Sm2State()  # what the learner is looking at
    with db.write_session() as other, other.begin():  # another process grades it meanwhile
        card = other.get(Card, card_id)
        card.repetitions, card.interval, card.easiness = 2, 6, 2.5
        card.due, card.last_review = TODAY, TODAY - timedelta(days=6)
    after = session.grade(4)
    # from (n=2, I=6, EF=2.5) a 4 gives I = ceil(6 × 2.5) = 15, not the new card's 1 day
    assert (after.repetitions, after.interval) == (3, 15)
    with db.session() as s:
        log = s.scalars(select(Review)).one()
    assert (log.prev_repetitions, log.prev_interval, log.repetitions, log.interval) == (2, 6, 3, 15)
