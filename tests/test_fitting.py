"""FSRS's weights fitted to the learner (issue 17): only past the threshold, in the
background, stored with when and on how many reviews; the kept state follows them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from studyapp.config import Settings
from studyapp.review import fitting
from studyapp.review.cards import ReviewSession
from studyapp.review.fsrs_state import derive, read_log, stored_state
from studyapp.schedulers import fsrs
from studyapp.store.models import Card
from studyapp.store.rows import state_of
from tests.helpers import add_cards


def study(db, settings: Settings, days: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    for _ in range(days):
        session = ReviewSession(db, settings)
        while session.current is not None:
            session.grade(4 if session.is_repeat else rng.choice((1, 3, 4, 4, 4, 5)))
        settings.clock.advance(days=1)  # type: ignore[attr-defined]


def prefs(db) -> list[tuple[str, str]]:
    with db.reading() as reader:
        return [(str(k), str(v)) for k, v in reader.all("preferences")]


def test_fit_is_due_past_the_threshold_then_when_grown_or_old() -> None:
    day = date(2026, 3, 1)
    assert not fitting.fit_due([], fitting.FIT_THRESHOLD - 1, day)
    assert fitting.fit_due([], fitting.FIT_THRESHOLD, day)
    weights = fsrs.parameters_text(fsrs.default_parameters())
    stored = [(fsrs.PARAMETERS_KEY, weights), (fsrs.FITTED_KEY, f"{day.isoformat()} 500")]
    assert not fitting.fit_due(stored, 550, day + timedelta(days=3))
    assert fitting.fit_due(stored, 600, day + timedelta(days=3))
    assert fitting.fit_due(stored, 510, day + timedelta(days=30))


def test_below_the_threshold_fsrs_keeps_its_defaults(db, settings) -> None:
    add_cards(db, 5)
    study(db, settings, 10)
    assert fitting.long_term_reviews(db) < fitting.FIT_THRESHOLD
    assert fitting.upkeep(db, settings) is None
    assert fsrs.fitted_on(prefs(db)) is None
    assert fsrs.with_bookkeeping(settings, prefs(db)).fsrs_parameters == ()


@pytest.fixture
def long_history(db, settings):
    add_cards(db, 80)
    study(db, settings, 90)
    assert fitting.long_term_reviews(db) >= fitting.FIT_THRESHOLD
    return db


def test_a_fit_is_stored_with_its_day_and_count_and_the_kept_state_follows(
    long_history, settings
) -> None:
    db = long_history
    derive(db, settings)
    tracked = fsrs.with_bookkeeping(replace(settings, scheduler="fsrs"), prefs(db))
    count = fitting.long_term_reviews(db)
    assert fitting.upkeep(db, replace(tracked, scheduler="sm2")) is None  # SM-2 pays nothing
    done = fitting.upkeep(db, tracked)
    assert done is not None and done.reviews == count and done.day == settings.today()
    assert fsrs.fitted_on(prefs(db)) == (settings.today(), count)
    fitted = fsrs.with_bookkeeping(replace(settings, scheduler="fsrs"), prefs(db))
    assert fitted.fsrs_parameters == done.weights != fsrs.default_parameters()
    logs = read_log(db)
    with db.session() as session:
        cards = {c.id: state_of(c) for c in session.scalars(select(Card))}
    for (kind, card_id), log in list(logs.items())[:10]:
        assert stored_state(db, kind, card_id, cards[card_id]) == fsrs.replay(
            log, done.weights, settings.desired_retention
        )
    assert fitting.upkeep(db, fitted) is None  # not due again at once


def test_upkeep_derives_the_state_when_fsrs_is_chosen_but_not_kept(db, settings) -> None:
    add_cards(db, 3)
    study(db, settings, 5)
    chosen = replace(settings, scheduler="fsrs")
    fitting.upkeep(db, chosen)
    assert fsrs.with_bookkeeping(chosen, prefs(db)).fsrs_tracked


# -- issue 16: histories that give fsrs-rs nothing are left out before it is called
# (it panicked on the benchmark's log: "at least one review with delta_t > 0 is required")

START = date(2026, 1, 5)


def log_grades(db, histories: dict[str, list[tuple[int, int]]]) -> None:
    """Write each item's grades straight into the log as (day offset, quality), none a
    same-day re-ask: the shape an imported log or a clock set back can leave."""
    from datetime import datetime

    from studyapp.store.schema import reviews

    rows = []
    for item, grades in histories.items():
        previous = None
        for offset, quality in grades:
            day = START + timedelta(days=offset)
            rows.append(
                {
                    "kind": "card",
                    "item_id": item,
                    "reviewed_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    "day": day,
                    "quality": quality,
                    "prev_easiness": 2.5,
                    "prev_repetitions": 0 if previous is None else 1,
                    "prev_interval": 0 if previous is None else 1,
                    "prev_lapses": 0,
                    "prev_last_review": previous,
                    "easiness": 2.5,
                    "repetitions": 1,
                    "interval": 1,
                    "lapses": 0,
                }
            )
            previous = day
    with db.session() as session, session.begin():
        session.execute(reviews.insert(), rows)


def same_day(count: int) -> dict[str, list[tuple[int, int]]]:
    return {f"same-{i}": [(0, 4), (0, 3), (0, 4)] for i in range(count)}


def spread(count: int, seed: int = 5) -> dict[str, list[tuple[int, int]]]:
    rng = random.Random(seed)
    histories = {}
    for i in range(count):
        day, grades = 0, []
        for _ in range(5):
            grades.append((day, rng.choice((1, 3, 4, 4, 5))))
            day += rng.choice((1, 2, 3, 6))
        histories[f"spread-{i}"] = grades
    return histories


def test_a_log_all_on_one_day_is_not_fitted_and_says_why(db, settings) -> None:
    log_grades(db, same_day(fitting.FIT_THRESHOLD))
    assert fitting.training_items(db) == []
    done = fitting.fit(db, settings.today(), fitting.FIT_THRESHOLD)  # no panic
    assert isinstance(done, fitting.NotFitted)
    assert "two different days" in done.reason
    assert fsrs.fitted_on(prefs(db)) is None
    assert fitting.not_fitted(prefs(db)) == done
    assert fsrs.with_bookkeeping(settings, prefs(db)).fsrs_parameters == ()


def test_a_mixed_log_is_fitted_on_its_usable_histories_only(db, settings) -> None:
    log_grades(db, {**same_day(300), **spread(150)})
    assert len(fitting.training_items(db)) == 150 * 4
    histories = [h for log in read_log(db).values() for h in fitting.usable_histories(log)]
    assert len(histories) == 150 * 4
    assert all(any(days > 0 for _, days in history) for history in histories)
    done = fitting.fit(db, settings.today(), 450)
    assert isinstance(done, fitting.Fitted)
    assert fsrs.fitted_on(prefs(db)) == (settings.today(), 450)
    assert fitting.not_fitted(prefs(db)) is None


def test_a_day_going_backwards_is_left_out(db, settings) -> None:
    log_grades(db, {"back": [(5, 4), (2, 3), (9, 4)], **spread(1)})
    assert len(fitting.training_items(db)) == 4  # the spread item's four; none of "back"
    logs = read_log(db)
    assert fitting.usable_histories(logs[("card", "back")]) == []
    assert all(days >= 0 for _, days in fitting.usable_histories(logs[("card", "spread-0")])[-1])


def test_a_fit_that_found_nothing_is_tried_again_only_when_grown_or_old(db, settings) -> None:
    log_grades(db, same_day(10))
    fitting.fit(db, settings.today(), 500)
    stored = prefs(db)
    later = settings.today() + timedelta(days=3)
    assert not fitting.fit_due(stored, 550, later)
    assert fitting.fit_due(stored, 600, later)
    assert fitting.fit_due(stored, 510, settings.today() + timedelta(days=30))


def test_upkeep_on_a_log_with_nothing_usable_reports_the_reason(db, settings, monkeypatch) -> None:
    log_grades(db, same_day(fitting.FIT_THRESHOLD))
    monkeypatch.setattr(fitting, "long_term_reviews", lambda _db: fitting.FIT_THRESHOLD)
    chosen = replace(settings, scheduler="fsrs")
    done = fitting.upkeep(db, chosen)
    assert isinstance(done, fitting.NotFitted) and done.reviews == fitting.FIT_THRESHOLD
    assert fitting.upkeep(db, chosen) is None  # not tried again at every start
