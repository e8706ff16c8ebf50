"""FSRS's weights fitted to the learner (issue 17): only past the threshold, in the
background, stored with when and on how many reviews; the kept state follows them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

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
