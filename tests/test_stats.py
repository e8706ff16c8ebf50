"""Progress aggregates against hand-counted review logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from studyapp.config import FixedClock, Settings
from studyapp.progress.stats import stats_data, stats_json
from studyapp.progress.today import home_counts, streak_days
from studyapp.review.cards import ReviewSession
from studyapp.store import totals
from studyapp.store.models import Review
from tests.conftest import LOCAL
from tests.helpers import add_cards

TODAY = date(2026, 3, 10)


def log(db, day: date, quality: int, kind: str = "card", item: str = "x", repeat: bool = False):
    """Append a review row and count it into its day, as the sessions do."""
    with db.session() as session, session.begin():
        totals.add_to_day(session.connection(), day, kind, quality, repeat, True, 1000)
        session.add(
            Review(
                kind=kind,
                item_id=item,
                day=day,
                quality=quality,
                duration_ms=1000,
                reviewed_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                repeat=repeat,
                prev_easiness=2.5,
                prev_repetitions=0,
                prev_interval=0,
                prev_due=None,
                prev_lapses=0,
                easiness=2.5,
                repetitions=1,
                interval=1,
                due=day + timedelta(days=1),
                lapses=0,
            )
        )


def test_streak_counts_consecutive_days_and_survives_until_the_day_ends(db) -> None:
    for back in (1, 2, 3, 5):
        log(db, TODAY - timedelta(days=back), 4)
    with db.reading() as reader:
        assert streak_days(reader, TODAY) == 3  # today not studied yet: still alive
        assert streak_days(reader, TODAY + timedelta(days=1)) == 0
    log(db, TODAY, 4)
    log(db, TODAY + timedelta(days=3), 4)  # a clock that ran ahead, then came back
    with db.reading() as reader:
        assert streak_days(reader, TODAY) == 4


def test_per_day_retention_forecast_and_maturity(db, settings) -> None:
    log(db, TODAY, 5)
    log(db, TODAY, 2)
    log(db, TODAY, 4, repeat=True)
    log(db, TODAY - timedelta(days=2), 3)
    log(db, TODAY - timedelta(days=40), 1)  # outside the 30 days
    log(db, TODAY, 1, kind="topic", item="softmax")
    add_cards(db, 2, deck="a")  # new
    add_cards(db, 1, deck="a", due=TODAY - timedelta(days=3), repetitions=0, interval=1)  # learning
    add_cards(db, 1, deck="b", due=TODAY + timedelta(days=2), repetitions=2, interval=6)  # young
    add_cards(db, 2, deck="b", due=TODAY + timedelta(days=40), repetitions=5, interval=30)  # mature
    data = stats_data(db, settings)
    per_day = {d.date: (d.reviews, d.correct) for d in data.per_day}
    assert per_day[TODAY] == (4, 2)
    assert per_day[TODAY - timedelta(days=2)] == (1, 1)
    assert data.retention_30d == 2 / 3  # 5, 2, 3 (repeats and drills left out)
    assert data.forecast[0] == (TODAY, 1) and data.forecast[2] == (TODAY + timedelta(days=2), 1)
    assert len(data.forecast) == 30 and sum(n for _, n in data.forecast) == 2
    assert data.maturity == {"new": 2, "learning": 1, "young": 1, "mature": 2}
    payload = stats_json(data)
    for key in (
        "today",
        "reviews_today",
        "streak_days",
        "due_today",
        "new_available",
        "retention_30d",
        "per_day",
        "forecast",
        "topics",
    ):
        assert key in payload
    assert payload["today"] == "2026-03-10" and payload["reviews_today"] == 4


def test_home_counts_per_deck_and_after_the_limits(db, clock) -> None:
    add_cards(db, 4, deck="a")
    add_cards(db, 3, deck="b", due=TODAY, repetitions=1, interval=1)
    settings = Settings(new_per_day=3, clock=clock)
    home = home_counts(db, settings)
    assert [(d.id, d.due, d.new) for d in home.decks] == [("a", 0, 4), ("b", 3, 0)]
    assert (home.due_today, home.new_available) == (3, 3)
    session = ReviewSession(db, settings)
    for _ in range(4):
        session.grade(5)
    home = home_counts(db, settings)
    assert (home.due_today, home.new_available, home.reviews_today) == (0, 2, 4)
    assert home.streak_days == 1


def test_rollover_decides_which_day_a_late_review_counts_for(db) -> None:
    add_cards(db, 1)
    late = FixedClock(datetime(2026, 3, 11, 2, 30, tzinfo=LOCAL))
    ReviewSession(db, Settings(clock=late)).grade(5)
    data = stats_data(db, Settings(clock=late))
    assert [d.date for d in data.per_day] == [date(2026, 3, 10)]
