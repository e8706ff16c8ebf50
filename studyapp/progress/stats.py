"""Progress, computed in SQL: the numbers behind the stats screen and `studyapp stats`.

Every aggregate is one query over an index (reviews by day, cards by due date), so the
cost grows with the days shown, not with the size of the collection's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.progress.today import home_counts
from studyapp.store import Database
from studyapp.store.models import Card, DailyTotal, DrillAttempt, DrillTopic, active_card

__all__ = ["StatsData", "stats_data", "stats_json"]

ACTIVE_CARD = active_card()
# Every query here is Core, so a plain connection serves: stats_data uses one (an ORM
# session adds its own bookkeeping to each query); callers may pass a session.
Reader = Session | Connection
MATURE_DAYS = 21


def deck_sizes(session: Reader) -> dict[str, int]:
    """Active cards per deck (a full count: for listings, not the home screen's hot path)."""
    return {
        deck: int(n)
        for deck, n in session.execute(
            select(Card.deck_id, func.count()).where(*ACTIVE_CARD).group_by(Card.deck_id)
        ).all()
    }


@dataclass(frozen=True)
class DayCount:
    date: date
    reviews: int
    correct: int


def reviews_per_day(session: Reader, first: date, last: date) -> list[DayCount]:
    """Every logged grade per study day in [first, last] (days without reviews omitted)."""
    rows = session.execute(
        select(DailyTotal.day, func.sum(DailyTotal.reviews), func.sum(DailyTotal.correct))
        .where(DailyTotal.day >= first, DailyTotal.day <= last)
        .group_by(DailyTotal.day)
        .having(func.sum(DailyTotal.reviews) > 0)
        .order_by(DailyTotal.day)
    )
    return [DayCount(day, int(n), int(ok or 0)) for day, n, ok in rows]


def retention(session: Reader, today: date, days: int = 30) -> float | None:
    """Share of card reviews graded 3 or more in the last `days` days (None: no reviews)."""
    total, passed = session.execute(
        select(func.sum(DailyTotal.graded), func.sum(DailyTotal.graded_correct)).where(
            DailyTotal.day > today - timedelta(days=days),
            DailyTotal.day <= today,
            DailyTotal.kind == "card",
        )
    ).one()
    return None if not total else int(passed or 0) / int(total)


def forecast(session: Reader, today: date, days: int = 30) -> list[tuple[date, int]]:
    """Cards due on each of the next `days` days; overdue cards count as due today."""
    last = today + timedelta(days=days - 1)
    rows = dict(
        session.execute(
            select(Card.due, func.count())
            .where(*ACTIVE_CARD, Card.due.is_not(None), Card.due > today, Card.due <= last)
            .group_by(Card.due)
        ).all()
    )
    overdue = session.scalar(
        select(func.count()).where(*ACTIVE_CARD, Card.due.is_not(None), Card.due <= today)
    )
    rows[today] = int(overdue or 0)
    return [
        (today + timedelta(days=i), int(rows.get(today + timedelta(days=i), 0)))
        for i in range(days)
    ]


def maturity(session: Reader) -> dict[str, int]:
    """Active cards by stage: new, learning (failed, relearning), young, mature (≥ 21 days)."""
    learning, young, mature = session.execute(
        select(
            func.count().filter(Card.repetitions == 0),
            func.count().filter(Card.repetitions > 0, Card.interval < MATURE_DAYS),
            func.count().filter(Card.repetitions > 0, Card.interval >= MATURE_DAYS),
        ).where(*ACTIVE_CARD, Card.due.is_not(None))  # answered from ix_cards_due alone
    ).one()
    new = session.scalar(select(func.count()).where(*ACTIVE_CARD, Card.due.is_(None))) or 0
    return {"new": int(new), "learning": learning, "young": young, "mature": mature}


@dataclass(frozen=True)
class TopicStat:
    topic: str
    attempts: int
    correct: int
    mean_seconds: float
    due: date | None
    level: int = 1


def topic_levels(session: Reader) -> dict[str, int]:
    """Each stored drill topic's level (1-3); a topic missing here is at level 1."""
    rows = session.execute(select(DrillTopic.id, DrillTopic.level))
    return {topic: int(level) for topic, level in rows}


def topic_stats(session: Reader) -> list[TopicStat]:
    """Accuracy and time per drill topic, over every attempt, with the topic's next due day."""
    attempts = {
        topic: (int(n), int(ok or 0), float(ms or 0) / 1000)
        for topic, n, ok, ms in session.execute(
            select(
                DrillAttempt.topic_id,
                func.count(),
                func.sum(case((DrillAttempt.correct.is_(True), 1), else_=0)),
                func.avg(DrillAttempt.duration_ms),
            ).group_by(DrillAttempt.topic_id)
        )
    }
    topics = session.execute(
        select(DrillTopic.id, DrillTopic.due, DrillTopic.level).order_by(DrillTopic.id)
    ).all()
    result = []
    for topic, due, level in topics:
        n, ok, seconds = attempts.get(topic, (0, 0, 0.0))
        result.append(TopicStat(topic, n, ok, seconds, due, int(level)))
    return result


def topic_accuracy_by_week(
    session: Reader, today: date, weeks: int = 12
) -> dict[str, list[tuple[date, int, int]]]:
    """Per topic: (week start, attempts, correct) for the last `weeks` weeks that had attempts."""
    first = today - timedelta(weeks=weeks)
    rows = session.execute(
        select(
            DrillAttempt.topic_id,
            DrillAttempt.day,
            func.count(),
            func.sum(case((DrillAttempt.correct.is_(True), 1), else_=0)),
        )
        .where(DrillAttempt.day > first, DrillAttempt.day <= today)
        .group_by(DrillAttempt.topic_id, DrillAttempt.day)
    )
    weekly: dict[str, dict[date, list[int]]] = {}
    for topic, day, n, ok in rows:
        week = day - timedelta(days=day.weekday())
        bucket = weekly.setdefault(topic, {}).setdefault(week, [0, 0])
        bucket[0] += int(n)
        bucket[1] += int(ok or 0)
    return {
        topic: [(week, n, ok) for week, (n, ok) in sorted(by_week.items())]
        for topic, by_week in sorted(weekly.items())
    }


@dataclass(frozen=True)
class StatsData:
    """Everything the stats screen draws, gathered in one pass."""

    today: date
    per_day: list[DayCount]  # the last 365 days
    retention_30d: float | None
    forecast: list[tuple[date, int]]
    maturity: dict[str, int]
    topics: list[TopicStat]
    topics_by_week: dict[str, list[tuple[date, int, int]]]
    streak_days: int
    reviews_today: int
    due_today: int
    new_available: int


def stats_data(db: Database, settings: Settings) -> StatsData:
    home = home_counts(db, settings)
    today = home.today
    with db.engine.connect() as connection:
        per_day = reviews_per_day(connection, today - timedelta(days=364), today)
        return StatsData(
            today=today,
            per_day=per_day,
            retention_30d=retention(connection, today),
            forecast=forecast(connection, today),
            maturity=maturity(connection),
            topics=topic_stats(connection),
            topics_by_week=topic_accuracy_by_week(connection, today),
            streak_days=home.streak_days,
            reviews_today=home.reviews_today,
            due_today=home.due_today,
            new_available=home.new_available,
        )


def stats_json(data: StatsData) -> dict[str, Any]:
    """The `studyapp stats --json` object of docs/formats.md."""
    return {
        "today": data.today.isoformat(),
        "reviews_today": data.reviews_today,
        "streak_days": data.streak_days,
        "due_today": data.due_today,
        "new_available": data.new_available,
        "retention_30d": data.retention_30d,
        "per_day": [
            {"date": d.date.isoformat(), "reviews": d.reviews, "correct": d.correct}
            for d in data.per_day
        ],
        "forecast": [{"date": day.isoformat(), "due": n} for day, n in data.forecast],
        "maturity": data.maturity,
        "topics": [
            {
                "topic": t.topic,
                "attempts": t.attempts,
                "correct": t.correct,
                "mean_seconds": round(t.mean_seconds, 3),
                "due": t.due.isoformat() if t.due else None,
            }
            for t in data.topics
        ],
    }
