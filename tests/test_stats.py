"""Progress aggregates against hand-counted review logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from studyapp.config import FixedClock, Settings
from studyapp.progress.stats import stats_data, stats_json
from studyapp.progress.today import home_counts, streak_days
from studyapp.review.cards import ReviewSession
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import totals
from studyapp.store.models import Review
from tests.conftest import LOCAL
from tests.helpers import add_cards

TODAY = date(2026, 3, 10)


def log(
    db,
    day: date,
    quality: int,
    kind: str = "card",
    item: str = "x",
    repeat: bool = False,
    before: Sm2State | None = None,
    duration_ms: int = 1000,
):
    """Append a review row and count it into its day, as the sessions do."""
    before = before or Sm2State()
    with db.session() as session, session.begin():
        totals.add_to_day(session.connection(), day, kind, quality, repeat, before, duration_ms)
        session.add(
            Review(
                kind=kind,
                item_id=item,
                day=day,
                quality=quality,
                duration_ms=duration_ms,
                reviewed_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                repeat=repeat,
                prev_easiness=2.5,
                prev_repetitions=before.repetitions,
                prev_interval=before.interval,
                prev_due=before.due,
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
    assert per_day[TODAY] == (3, 2)  # cards only: the drill counts apart
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
    assert payload["today"] == "2026-03-10" and payload["reviews_today"] == 3
    assert payload["drills_today"] == 1


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


# ------------------------------------------------------------ progress you can read (issue 12)


def test_true_retention_counts_learned_cards_only_young_and_mature_apart(db, settings) -> None:
    young = Sm2State(repetitions=2, interval=6, due=TODAY)
    mature = Sm2State(repetitions=5, interval=30, due=TODAY)
    new = Sm2State()
    for before, quality, repeat in (
        (new, 5, False),  # a first view: not retention
        (new, 1, False),
        (young, 4, False),
        (young, 2, False),
        (young, 1, True),  # a same-day repeat: not retention
        (mature, 5, False),
    ):
        log(db, TODAY - timedelta(days=1), quality, repeat=repeat, before=before)
    log(db, TODAY - timedelta(days=1), 1, kind="topic", item="softmax", before=young)  # a drill
    log(db, TODAY - timedelta(days=45), 1, before=mature)  # outside the 30 days
    data = stats_data(db, settings)
    assert data.retention_true_30d == {"young": 1 / 2, "mature": 1.0, "all": 2 / 3}
    weeks = {w.start: w for w in data.retention_weeks}
    week = weeks[
        (TODAY - timedelta(days=1)) - timedelta(days=(TODAY - timedelta(days=1)).weekday())
    ]
    assert (week.reviews, week.passed) == (3, 2)
    assert stats_json(data)["retention_true_30d"] == {"young": 0.5, "mature": 1.0, "all": 2 / 3}


def test_true_retention_follows_undo(db, settings) -> None:
    add_cards(db, 1, deck="a", due=TODAY, repetitions=3, interval=25, last_review=TODAY)
    session = ReviewSession(db, settings)
    session.grade(2)
    assert stats_data(db, settings).retention_true_30d["mature"] == 0.0
    session.undo()
    assert stats_data(db, settings).retention_true_30d == {
        "young": None,
        "mature": None,
        "all": None,
    }


def test_cards_and_drills_are_counted_apart_with_minutes(db, settings) -> None:
    log(db, TODAY, 5, duration_ms=120_000)
    log(db, TODAY, 2, duration_ms=60_000)
    log(db, TODAY, 4, kind="topic", item="softmax", duration_ms=300_000)
    log(db, TODAY - timedelta(days=3), 1, kind="topic", item="mse", duration_ms=30_000)
    data = stats_data(db, settings)
    assert data.reviews_today == 2 and data.drills_today == 1
    by_day = {d.date: d for d in data.per_day}
    today = by_day[TODAY]
    assert (today.reviews, today.correct, today.drills, today.drills_correct) == (2, 1, 1, 1)
    assert (today.card_minutes, today.drill_minutes) == (3.0, 5.0)
    earlier = by_day[TODAY - timedelta(days=3)]
    assert (earlier.reviews, earlier.drills, earlier.drill_minutes) == (0, 1, 0.5)
    day = stats_json(data)["per_day"][-1]
    assert day == {
        "date": "2026-03-10",
        "reviews": 2,
        "correct": 1,
        "drills": 1,
        "drills_correct": 1,
        "card_minutes": 3.0,
        "drill_minutes": 5.0,
    }


def test_coverage_and_mastery_per_deck_by_name(db, settings) -> None:
    add_cards(db, 2, deck="a")  # new
    add_cards(db, 1, deck="a", due=TODAY, repetitions=0, interval=1)  # learning
    add_cards(db, 1, deck="a", due=TODAY, repetitions=0, interval=1, lapses=2)  # lapsed
    add_cards(db, 1, deck="b", due=TODAY, repetitions=2, interval=6)  # young
    add_cards(db, 1, deck="b", due=TODAY, repetitions=5, interval=30)  # mature
    add_cards(db, 1, deck="b", due=TODAY, repetitions=5, interval=30, retired=True)  # gone
    add_cards(db, 1, deck="b", suspended=True)  # paused, never seen
    data = stats_data(db, settings)
    assert data.coverage.cards_met == 4 and data.coverage.cards_total == 6  # no suspended
    decks = {d.name: d for d in data.decks}
    assert set(decks) == {"A", "B"}
    a, b = decks["A"], decks["B"]
    assert (a.new, a.learning, a.lapsed, a.young, a.mature) == (2, 1, 1, 0, 0)
    assert (b.new, b.learning, b.lapsed, b.young, b.mature) == (0, 0, 0, 1, 1)
    payload = stats_json(data)
    assert payload["coverage"]["cards_met"] == 4
    assert {d["name"] for d in payload["decks"]} == {"A", "B"}


def attempt(db, topic: str, correct: bool, day: date, duration_ms: int = 10_000) -> None:
    from studyapp.store.models import DrillAttempt

    with db.session() as session, session.begin():
        session.add(
            DrillAttempt(
                topic_id=topic,
                seed=1,
                difficulty=1,
                inputs="{}",
                expected="1",
                typed="1",
                outcome="correct" if correct else "wrong",
                correct=correct,
                hint_used=False,
                attempted_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                day=day,
                duration_ms=duration_ms,
            )
        )


def topics_table(db, *ids: str) -> None:
    from studyapp.decks.sync import sync_topics
    from studyapp.drills import registry

    sync_topics(db, [(t, registry()[t].title) for t in ids])


def test_topics_weakest_first_with_titles_results_and_the_untried(db, settings) -> None:
    from studyapp.drills import registry

    topics_table(db, "softmax", "mse", "neuron", "chain_rule")
    # softmax: an old failure, recent success; mse: recent failures; neuron: mixed
    for back, ok in ((20, False), (3, True), (2, True), (1, True)):
        attempt(db, "softmax", ok, TODAY - timedelta(days=back))
    for back, ok in ((5, True), (2, False), (1, False)):
        attempt(db, "mse", ok, TODAY - timedelta(days=back), duration_ms=30_000)
    for back, ok in ((2, True), (1, False)):
        attempt(db, "neuron", ok, TODAY - timedelta(days=back))
    data = stats_data(db, settings)
    order = [t.topic for t in data.topics]
    assert order == ["mse", "neuron", "softmax", "chain_rule"]
    mse, neuron, softmax, chain = data.topics
    assert mse.title == registry()["mse"].title and mse.title != "mse"
    assert mse.recent == "✓✗✗" and softmax.recent == "✗✓✓✓"
    assert (mse.attempts, mse.correct, mse.total_seconds) == (3, 1, 90.0)
    assert mse.weak and neuron.weak and not softmax.weak
    assert chain.attempts == 0 and not chain.weak and chain.recent == ""
    assert all(t.level == 1 for t in data.topics)
    assert data.coverage.topics_met == 3 and data.coverage.topics_total == 4
    payload = stats_json(data)["topics"][0]
    for key in (
        "topic",
        "title",
        "attempts",
        "correct",
        "accuracy",
        "recent",
        "recent_accuracy",
        "total_seconds",
        "mean_seconds",
        "level",
        "weak",
        "due",
    ):
        assert key in payload
    assert payload["accuracy"] == 1 / 3 and payload["recent"] == "✓✗✗"


def test_recent_results_keep_the_last_ten(db, settings) -> None:
    topics_table(db, "softmax")
    for back in range(15, 0, -1):
        attempt(db, "softmax", back > 10, TODAY - timedelta(days=back))
    (softmax,) = stats_data(db, settings).topics
    assert softmax.recent == "✗" * 10 and softmax.recent_accuracy == 0.0
    assert softmax.attempts == 15 and softmax.correct == 5


def test_mastery_per_deck_reads_indexes_in_deck_order(db) -> None:
    """No table scan and no sort: the mastery table stays fast on 100,000 cards."""
    from sqlalchemy import event

    from studyapp.progress.stats import deck_mastery

    add_cards(db, 3, deck="a", due=TODAY, repetitions=2, interval=6)
    add_cards(db, 2, deck="b")
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM cards" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.engine.connect() as connection:
            deck_mastery(connection)
            plans = [
                " | ".join(
                    row[-1]
                    for row in connection.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + statement, parameters
                    )
                )
                for statement, parameters in list(seen)
            ]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(plans) == 2
    assert "ix_cards_seen_by_deck" in plans[0] and "ix_cards_new_by_deck" in plans[1]
    assert not any("TEMP B-TREE" in plan for plan in plans), plans
