"""The clock: the rollover hour, daylight-saving nights, other time zones and a system
clock that jumps back. Study days follow the learner's wall clock (a day starts at the
rollover hour, local time); log instants are stored in UTC; streaks, due dates and the
daily limits stay right and nothing crashes. Expected days are worked out by hand."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from studyapp.config import FixedClock, Settings, study_day
from studyapp.progress.stats import stats_data
from studyapp.progress.today import home_counts
from studyapp.review.cards import ReviewSession
from studyapp.review.drilling import DrillSession
from studyapp.store import Database
from studyapp.store.models import DrillAttempt, Review
from tests.helpers import add_cards, assert_totals_match_log
from tests.test_crash import assert_log_consistent

BERLIN = ZoneInfo("Europe/Berlin")


def at(clock: FixedClock, moment: datetime) -> Settings:
    clock.current = moment
    return Settings(new_per_day=1000, clock=clock)


def grade_one(db: Database, settings: Settings, quality: int = 4) -> str:
    """Grade the first card of today's queue; returns its id."""
    session = ReviewSession(db, settings)
    card = session.current
    assert card is not None
    session.grade(quality, duration_ms=1000)
    return card.id


def logged(db: Database, card_id: str) -> list[Review]:
    with db.session() as session:
        return list(session.scalars(select(Review).where(Review.item_id == card_id)))


def check_files(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    try:
        assert_log_consistent(connection)
    finally:
        connection.close()


# ------------------------------------------------------------------------------ rollover


@pytest.mark.parametrize(
    ("hour", "moment", "day"),
    [
        (4, datetime(2026, 3, 11, 3, 59, 59), date(2026, 3, 10)),
        (4, datetime(2026, 3, 11, 4, 0), date(2026, 3, 11)),
        (4, datetime(2026, 3, 11, 0, 0), date(2026, 3, 10)),
        (0, datetime(2026, 3, 11, 0, 0), date(2026, 3, 11)),
        (0, datetime(2026, 3, 10, 23, 59), date(2026, 3, 10)),
        (23, datetime(2026, 3, 11, 22, 59), date(2026, 3, 10)),
        (23, datetime(2026, 3, 11, 23, 0), date(2026, 3, 11)),
        (4, datetime(2026, 1, 1, 3, 0), date(2025, 12, 31)),  # across a year
        (4, datetime(2028, 3, 1, 2, 0), date(2028, 2, 29)),  # a leap day
    ],
)
def test_study_day_turns_at_the_rollover_hour(hour, moment, day) -> None:
    assert study_day(moment.replace(tzinfo=BERLIN), hour) == day
    assert (
        Settings(rollover_hour=hour, clock=FixedClock(moment.replace(tzinfo=BERLIN))).today() == day
    )


def test_late_night_reviews_count_for_the_day_before(db, db_path) -> None:
    add_cards(db, 10)
    clock = FixedClock(datetime(2026, 3, 9, 23, 0, tzinfo=BERLIN))
    grade_one(db, at(clock, datetime(2026, 3, 9, 23, 0, tzinfo=BERLIN)))  # day Mar 9
    # Day Mar 10; the card of Mar 9 is due and is failed, so it comes back after 1 day.
    night = grade_one(db, at(clock, datetime(2026, 3, 11, 3, 30, tzinfo=BERLIN)), quality=2)
    row = logged(db, night)[-1]
    assert row.day == date(2026, 3, 10) and row.due == date(2026, 3, 11)
    before = home_counts(db, at(clock, datetime(2026, 3, 11, 3, 59, tzinfo=BERLIN)))
    assert before.today == date(2026, 3, 10) and before.due_today == 0
    assert before.streak_days == 2 and before.reviews_today == 1
    after = home_counts(db, at(clock, datetime(2026, 3, 11, 4, 0, tzinfo=BERLIN)))
    assert after.today == date(2026, 3, 11) and after.due_today == 1
    assert after.streak_days == 2 and after.reviews_today == 0  # Mar 11 not studied yet
    assert ReviewSession(db, at(clock, clock.current)).current.id == night  # type: ignore[union-attr]
    grade_one(db, at(clock, datetime(2026, 3, 11, 4, 30, tzinfo=BERLIN)))
    assert home_counts(db, at(clock, clock.current)).streak_days == 3
    check_files(db_path)


def test_a_changed_rollover_preference_moves_the_day(db) -> None:
    from studyapp.collection import Collection

    collection = Collection(db, Settings(clock=FixedClock(datetime(2026, 3, 11, 2, tzinfo=BERLIN))))
    assert collection.settings.today() == date(2026, 3, 10)
    collection.set_preference("rollover_hour", "0")
    assert collection.settings.today() == date(2026, 3, 11)
    assert collection.home().today == date(2026, 3, 11)


# ------------------------------------------------------------------------------ daylight saving

# 2026: summer time starts Sunday 29 March (02:00 CET -> 03:00 CEST) and ends Sunday
# 25 October (03:00 CEST -> 02:00 CET).
DST_NIGHTS = [
    pytest.param(date(2026, 3, 29), timedelta(hours=1, minutes=30), id="spring-forward"),
    pytest.param(date(2026, 10, 25), timedelta(hours=2, minutes=30), id="fall-back"),
]


@pytest.mark.parametrize(("night", "utc_of_0330"), DST_NIGHTS)
def test_a_review_at_0330_on_a_daylight_saving_night(db, db_path, night, utc_of_0330) -> None:
    add_cards(db, 10)
    eve = night - timedelta(days=1)
    clock = FixedClock(datetime.combine(eve, datetime.min.time(), BERLIN))
    grade_one(db, at(clock, datetime.combine(eve, datetime.min.time(), BERLIN).replace(hour=20)))
    card = grade_one(
        db, at(clock, datetime(night.year, night.month, night.day, 3, 30, tzinfo=BERLIN))
    )
    (row,) = logged(db, card)
    # 03:30 is before the 04:00 rollover: it belongs to the evening's study day.
    assert row.day == eve and row.due == night
    assert row.reviewed_at == datetime.combine(night, datetime.min.time(), UTC) + utc_of_0330
    counts = home_counts(
        db, at(clock, datetime(night.year, night.month, night.day, 3, 59, tzinfo=BERLIN))
    )
    assert counts.today == eve and counts.due_today == 0 and counts.streak_days == 1
    counts = home_counts(
        db, at(clock, datetime(night.year, night.month, night.day, 4, 0, tzinfo=BERLIN))
    )
    assert counts.today == night and counts.due_today == 2 and counts.streak_days == 1
    grade_one(db, at(clock, datetime(night.year, night.month, night.day, 4, 30, tzinfo=BERLIN)))
    assert home_counts(db, at(clock, clock.current)).streak_days == 2
    check_files(db_path)


@pytest.mark.parametrize(
    ("shown", "answered"),
    [
        # One real minute across spring-forward: 01:59:30 CET is 00:59:30 UTC,
        # 03:00:30 CEST is 01:00:30 UTC.
        (
            datetime(2026, 3, 29, 1, 59, 30, tzinfo=BERLIN),
            datetime(2026, 3, 29, 3, 0, 30, tzinfo=BERLIN),
        ),
        # One real minute across fall-back: 02:59:30 CEST (fold 0) is 00:59:30 UTC,
        # 02:00:30 CET (fold 1) is 01:00:30 UTC.
        (
            datetime(2026, 10, 25, 2, 59, 30, tzinfo=BERLIN),
            datetime(2026, 10, 25, 2, 0, 30, fold=1, tzinfo=BERLIN),
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_drill_time_is_real_time_across_a_clock_change(db, shown, answered) -> None:
    clock = FixedClock(shown)
    session = DrillSession(db, Settings(clock=clock), ["softmax"], seed=3)
    clock.current = answered
    record = session.give_up()
    with db.session() as s:
        attempt = s.get(DrillAttempt, record.attempt_id)
        assert attempt is not None
        assert attempt.duration_ms == 60_000
        assert attempt.attempted_at == answered.astimezone(UTC)


# ------------------------------------------------------------------------------ time zones

INSTANT = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))  # 05:00 on 11 March: study day 11 March
WEST = timezone(timedelta(hours=-5))  # 15:00 on 10 March: study day 10 March


def test_the_same_instant_is_a_different_study_day_in_each_zone() -> None:
    assert Settings(clock=FixedClock(INSTANT.astimezone(TOKYO))).today() == date(2026, 3, 11)
    assert Settings(clock=FixedClock(INSTANT.astimezone(WEST))).today() == date(2026, 3, 10)
    assert Settings(clock=FixedClock(INSTANT)).today() == date(2026, 3, 10)  # 16:00 UTC day


@pytest.mark.parametrize(("zone", "day"), [(TOKYO, date(2026, 3, 11)), (WEST, date(2026, 3, 10))])
def test_a_review_is_logged_on_the_learners_local_day(db, zone, day) -> None:
    add_cards(db, 3)
    card = grade_one(db, Settings(clock=FixedClock(INSTANT.astimezone(zone))))
    (row,) = logged(db, card)
    assert row.reviewed_at == INSTANT  # the instant itself does not depend on the zone
    assert row.day == day and row.due == day + timedelta(days=1)


def test_flying_west_over_the_date_line_keeps_streak_and_due_dates(db, db_path) -> None:
    """Study in Tokyo on 11 March, fly, study again in UTC-5 where it is still 10 March."""
    add_cards(db, 10)
    clock = FixedClock(INSTANT.astimezone(TOKYO))
    tokyo_card = grade_one(db, at(clock, INSTANT.astimezone(TOKYO)), quality=5)
    landed = (INSTANT + timedelta(hours=2)).astimezone(WEST)  # 17:00 on 10 March, local
    assert at(clock, landed).today() == date(2026, 3, 10)
    counts = home_counts(db, at(clock, landed))
    assert counts.reviews_today == 0 and counts.streak_days == 0  # 11 March is "ahead"
    west_card = grade_one(db, at(clock, landed))
    assert west_card != tokyo_card  # the Tokyo card is due 12 March, not before
    counts = home_counts(db, at(clock, landed))
    assert counts.reviews_today == 1 and counts.streak_days == 1
    next_day = at(clock, landed + timedelta(hours=20))  # 13:00 on 11 March in UTC-5
    counts = home_counts(db, next_day)
    assert counts.today == date(2026, 3, 11) and counts.reviews_today == 1
    assert counts.streak_days == 2  # 10 March (West) and 11 March (Tokyo)
    stats_data(db, next_day)
    check_files(db_path)


# ------------------------------------------------------------------------------ clock backwards


def test_the_system_clock_going_back_a_day(db, db_path) -> None:
    add_cards(db, 20)
    today = datetime(2026, 3, 10, 12, tzinfo=BERLIN)
    clock = FixedClock(today - timedelta(days=1))
    limited = Settings(new_per_day=5, clock=clock)
    yesterday_card = grade_one(db, limited)  # due today
    clock.current = today + timedelta(days=1)  # the clock runs a day ahead ...
    ahead = ReviewSession(db, limited)
    ahead_cards = []
    while ahead.current is not None:
        ahead_cards.append(ahead.current.id)
        ahead.grade(5, duration_ms=500)
    assert len(ahead_cards) == 6 and ahead_cards[0] == yesterday_card  # 1 due + 5 new
    clock.current = today  # ... and is set right again
    counts = home_counts(db, limited)
    assert counts.today == date(2026, 3, 10)
    assert counts.reviews_today == 0
    assert counts.streak_days == 1  # yesterday; the day "ahead" does not count yet
    assert counts.new_available == 5  # today's new-card limit is untouched
    assert counts.due_today == 0  # cards graded "tomorrow" are due after tomorrow
    data = stats_data(db, limited)
    assert all(d.date <= date(2026, 3, 10) for d in data.per_day)
    assert data.forecast[0] == (date(2026, 3, 10), 0)
    queue = ReviewSession(db, limited)
    assert queue.current is not None and queue.current.id not in ahead_cards
    queue.grade(4)
    for card in ahead_cards:  # their schedules were not touched by the jump back
        row = logged(db, card)[-1]
        assert row.day == date(2026, 3, 11)
        assert row.due == date(2026, 3, 17 if card == yesterday_card else 12)
    clock.current = today + timedelta(days=1)  # the real tomorrow arrives
    counts = home_counts(db, limited)
    assert counts.streak_days == 3 and counts.reviews_today == 6
    assert counts.new_available == 0  # the 5 new cards seen "ahead" count for that day
    check_files(db_path)
    connection = sqlite3.connect(db_path)
    assert_totals_match_log(connection)
    connection.close()


def test_a_clock_jumping_back_in_the_middle_of_a_drill(db) -> None:
    clock = FixedClock(datetime(2026, 3, 10, 12, tzinfo=BERLIN))
    session = DrillSession(db, Settings(clock=clock), ["softmax"], seed=5)
    clock.advance(hours=-3)
    record = session.give_up()
    with db.session() as s:
        attempt = s.get(DrillAttempt, record.attempt_id)
        assert attempt is not None and attempt.duration_ms == 0  # never negative
        assert attempt.day == date(2026, 3, 10)
