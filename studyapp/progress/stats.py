"""Progress, computed in SQL: the numbers behind the stats screen and `studyapp stats`.

Every aggregate is one query over an index (reviews by day, cards by due date), so the
cost grows with the days shown, not with the size of the collection's history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.progress.today import home_counts
from studyapp.progress.weakness import (
    RECENT_RESULTS,
    TopicStat,
    marks,
    recent_by_topic,
    weakness,
)
from studyapp.store import Database
from studyapp.store.models import (
    Card,
    DailyTotal,
    Deck,
    DrillAttempt,
    DrillTopic,
    MisconceptionRow,
    active_card,
)
from studyapp.store.runner import CoreRunner

__all__ = ["MistakeStat", "StatsData", "TopicStat", "stats_data", "stats_json"]

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
    """One study day: card reviews and drill attempts counted apart, with their time."""

    date: date
    reviews: int  # card grades only
    correct: int  # of those, graded 3 or more
    drills: int = 0  # drill attempts
    drills_correct: int = 0
    card_ms: int = 0
    drill_ms: int = 0

    @property
    def card_minutes(self) -> float:
        return round(self.card_ms / 60_000, 2)

    @property
    def drill_minutes(self) -> float:
        return round(self.drill_ms / 60_000, 2)


def reviews_per_day(session: Reader, first: date, last: date) -> list[DayCount]:
    """Every logged grade per study day in [first, last], cards and drills apart (days
    without any omitted). Each drill attempt logs one topic grade, so the topic rows of
    the day totals count the attempts."""
    card = DailyTotal.kind == "card"
    topic = DailyTotal.kind == "topic"
    rows = session.execute(
        select(
            DailyTotal.day,
            func.coalesce(func.sum(DailyTotal.reviews).filter(card), 0),
            func.coalesce(func.sum(DailyTotal.correct).filter(card), 0),
            func.coalesce(func.sum(DailyTotal.reviews).filter(topic), 0),
            func.coalesce(func.sum(DailyTotal.correct).filter(topic), 0),
            func.coalesce(func.sum(DailyTotal.duration_ms).filter(card), 0),
            func.coalesce(func.sum(DailyTotal.duration_ms).filter(topic), 0),
        )
        .where(DailyTotal.day >= first, DailyTotal.day <= last)
        .group_by(DailyTotal.day)
        .having(func.sum(DailyTotal.reviews) > 0)
        .order_by(DailyTotal.day)
    )
    return [DayCount(day, *(int(n) for n in counts)) for day, *counts in rows]


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


@dataclass(frozen=True)
class WeekRetention:
    """True retention of one week (Monday first): learned cards' first grades of the day."""

    start: date
    young: int
    young_passed: int
    mature: int
    mature_passed: int

    @property
    def reviews(self) -> int:
        return self.young + self.mature

    @property
    def passed(self) -> int:
        return self.young_passed + self.mature_passed

    @property
    def share(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None


def _learned_by_day(session: Reader, first: date, last: date) -> list[tuple[date, list[int]]]:
    """Per day in [first, last]: young graded, passed, mature graded, passed (cards)."""
    rows = session.execute(
        select(
            DailyTotal.day,
            DailyTotal.young_graded,
            DailyTotal.young_passed,
            DailyTotal.mature_graded,
            DailyTotal.mature_passed,
        ).where(
            DailyTotal.day >= first,
            DailyTotal.day <= last,
            DailyTotal.kind == "card",
            (DailyTotal.young_graded + DailyTotal.mature_graded) > 0,
        )
    )
    return [(day, [int(n) for n in counts]) for day, *counts in rows]


def _share(passed: int, total: int) -> float | None:
    return passed / total if total else None


def true_retention(
    session: Reader, today: date, days: int = 30, weeks: int = 12
) -> tuple[dict[str, float | None], list[WeekRetention]]:
    """True retention over the last `days` days ({young, mature, all}; None where nothing
    was graded) and per week over the last `weeks` weeks, oldest first (weeks without a
    graded learned card omitted). One read of at most weeks × 7 day rows."""
    monday = today - timedelta(days=today.weekday())
    first = min(monday - timedelta(weeks=weeks - 1), today - timedelta(days=days - 1))
    recent = [0, 0, 0, 0]
    by_week: dict[date, list[int]] = {}
    for day, counts in _learned_by_day(session, first, today):
        if day > today - timedelta(days=days):
            recent = [a + b for a, b in zip(recent, counts, strict=True)]
        week = day - timedelta(days=day.weekday())
        if week >= monday - timedelta(weeks=weeks - 1):
            total = by_week.setdefault(week, [0, 0, 0, 0])
            by_week[week] = [a + b for a, b in zip(total, counts, strict=True)]
    young, young_ok, mature, mature_ok = recent
    summary = {
        "young": _share(young_ok, young),
        "mature": _share(mature_ok, mature),
        "all": _share(young_ok + mature_ok, young + mature),
    }
    return summary, [WeekRetention(week, *by_week[week]) for week in sorted(by_week)]


def forecast(
    session: Reader, today: date, days: int = 30, fsrs: bool = False
) -> list[tuple[date, int]]:
    """Cards due on each of the next `days` days; overdue cards count as due today. With
    `fsrs`, by FSRS's due days (the active scheduler's; issue 17)."""
    last = today + timedelta(days=days - 1)
    due = Card.fsrs_due if fsrs else Card.due
    rows = dict(
        session.execute(
            select(due, func.count())
            .where(*ACTIVE_CARD, due.is_not(None), due > today, due <= last)
            .group_by(due)
        ).all()
    )
    overdue = session.scalar(
        select(func.count()).where(*ACTIVE_CARD, due.is_not(None), due <= today)
    )
    rows[today] = int(overdue or 0)
    return [
        (today + timedelta(days=i), int(rows.get(today + timedelta(days=i), 0)))
        for i in range(days)
    ]


@dataclass(frozen=True)
class DeckMastery:
    """One deck's active cards by stage (each card in exactly one stage)."""

    id: str
    name: str
    new: int  # never seen
    learning: int  # seen, failed its last grade, never yet learned (no lapse)
    lapsed: int  # learned once, failed since, relearning (repetitions 0, lapses > 0)
    young: int  # passed its last grade, interval under 21 days
    mature: int  # interval 21 days or more

    @property
    def total(self) -> int:
        return self.new + self.learning + self.lapsed + self.young + self.mature

    @property
    def met(self) -> int:
        return self.total - self.new


def deck_mastery(session: Reader) -> list[DeckMastery]:
    """Per deck, by name: active cards by stage. Two grouped reads, each answered from a
    partial index in deck order (ix_cards_seen_by_deck, ix_cards_new_by_deck)."""
    failed = Card.repetitions == 0
    learned = Card.repetitions > 0
    stages = {
        deck: tuple(int(n) for n in counts)
        for deck, *counts in session.execute(
            select(
                Card.deck_id,
                func.count().filter(failed, Card.lapses == 0),
                func.count().filter(failed, Card.lapses > 0),
                func.count().filter(learned, Card.interval < MATURE_DAYS),
                func.count().filter(learned, Card.interval >= MATURE_DAYS),
            )
            .where(*ACTIVE_CARD, Card.due.is_not(None))
            .group_by(Card.deck_id)
        )
    }
    new = dict(
        session.execute(
            select(Card.deck_id, func.count())
            .where(*ACTIVE_CARD, Card.due.is_(None))
            .group_by(Card.deck_id)
        ).all()
    )
    names = session.execute(
        select(Deck.id, Deck.name).where(Deck.retired.is_(False)).order_by(Deck.name)
    ).all()
    result = []
    for deck, name in names:
        learning, lapsed, young, mature = stages.get(deck, (0, 0, 0, 0))
        result.append(
            DeckMastery(deck, name, int(new.get(deck, 0)), learning, lapsed, young, mature)
        )
    return result


def maturity(decks: list[DeckMastery]) -> dict[str, int]:
    """Active cards by stage over every deck; learning here includes the lapsed (the
    `maturity` field of `stats --json`, kept as it was)."""
    return {
        "new": sum(d.new for d in decks),
        "learning": sum(d.learning + d.lapsed for d in decks),
        "young": sum(d.young for d in decks),
        "mature": sum(d.mature for d in decks),
    }


@dataclass(frozen=True)
class Coverage:
    """How much of the syllabus the learner has met (seen at least once)."""

    cards_met: int  # active cards with a schedule (a card reset in browse is new again)
    cards_total: int  # active cards: retired and suspended ones left out
    topics_met: int  # drill topics with at least one attempt
    topics_total: int  # every drill topic of the collection


def topic_levels(session: Reader) -> dict[str, int]:
    """Each stored drill topic's level (1-3); a topic missing here is at level 1."""
    rows = session.execute(select(DrillTopic.id, DrillTopic.level))
    return {topic: int(level) for topic, level in rows}


def topic_stats(session: Reader) -> list[TopicStat]:
    """Every drill topic, weakest first (see progress/weakness.py), untried ones last:
    title, attempts, accuracy, time, latest results and level."""
    from studyapp.drills import registry

    attempts = {
        topic: (int(n), int(ok or 0), int(ms or 0))
        for topic, n, ok, ms in session.execute(
            select(
                DrillAttempt.topic_id,
                func.count(),
                func.sum(case((DrillAttempt.correct.is_(True), 1), else_=0)),
                func.sum(DrillAttempt.duration_ms),
            ).group_by(DrillAttempt.topic_id)
        )
    }
    runner = CoreRunner(session)
    rows = runner.all("topic_recent", {"recent": RECENT_RESULTS})
    recent = recent_by_topic((topic, correct) for topic, _, _, _, correct in rows)
    about = {topic: (title, int(lapses)) for topic, title, lapses, _, _ in rows}
    due = dict(session.execute(select(DrillTopic.id, DrillTopic.due)).all())
    levels = topic_levels(session)
    known = registry()
    result = []
    for topic, (title, lapses) in about.items():
        n, ok, ms = attempts.get(topic, (0, 0, 0))
        registered = known.get(topic)
        result.append(
            TopicStat(
                topic=topic,
                title=registered.title if registered else (title or topic),
                recent=marks(recent[topic]),
                lapses=lapses,
                attempts=n,
                correct=ok,
                mean_seconds=ms / 1000 / n if n else 0.0,
                total_seconds=ms / 1000,
                due=due.get(topic),
                level=levels.get(topic, 1),
            )
        )
    return sorted(result, key=weakness)


@dataclass(frozen=True)
class MistakeStat:
    """A mistake the learner made (review/misconceptions.py): what it is, where it was last
    made, how often, and whether they still make it."""

    id: str
    topic: str
    topic_title: str
    description: str
    seen: int
    first_seen: date
    last_seen: date
    due: date | None
    status: str  # active | resolved


def mistake_stats(session: Reader) -> list[MistakeStat]:
    """Every tracked mistake: the active ones first, each group latest seen first."""
    from studyapp.drills import registry
    from studyapp.drills.mistakes import describe

    known = registry()
    rows = session.execute(
        select(
            MisconceptionRow.id,
            MisconceptionRow.topic_id,
            MisconceptionRow.seen,
            MisconceptionRow.first_seen,
            MisconceptionRow.last_seen,
            MisconceptionRow.due,
            MisconceptionRow.status,
        ).order_by(
            (MisconceptionRow.status != "active"),
            MisconceptionRow.last_seen.desc(),
            MisconceptionRow.id,
        )
    )
    return [
        MistakeStat(
            id=mistake,
            topic=topic,
            topic_title=known[topic].title if topic in known else topic,
            description=describe(mistake),
            seen=int(seen),
            first_seen=first,
            last_seen=last,
            due=due,
            status=status,
        )
        for mistake, topic, seen, first, last, due, status in rows
    ]


@dataclass(frozen=True)
class StatsData:
    """Everything the stats screen draws and `stats --json` prints, gathered in one pass."""

    today: date
    per_day: list[DayCount]  # the last 365 days
    retention_30d: float | None
    forecast: list[tuple[date, int]]
    maturity: dict[str, int]
    topics: list[TopicStat]
    streak_days: int
    reviews_today: int  # card grades today
    due_today: int
    new_available: int
    drills_today: int = 0
    retention_true_30d: dict[str, float | None] = field(
        default_factory=lambda: {"young": None, "mature": None, "all": None}
    )
    retention_weeks: list[WeekRetention] = field(default_factory=list)
    decks: list[DeckMastery] = field(default_factory=list)
    coverage: Coverage = Coverage(0, 0, 0, 0)
    mistakes: list[MistakeStat] = field(default_factory=list)

    @property
    def active_mistakes(self) -> list[MistakeStat]:
        return [m for m in self.mistakes if m.status == "active"]


def stats_data(db: Database, settings: Settings) -> StatsData:
    home = home_counts(db, settings)
    today = home.today
    with db.engine.connect() as connection:
        per_day = reviews_per_day(connection, today - timedelta(days=364), today)
        decks = deck_mastery(connection)
        topics = topic_stats(connection)
        true_30d, weeks = true_retention(connection, today)
        return StatsData(
            today=today,
            per_day=per_day,
            retention_30d=retention(connection, today),
            forecast=forecast(connection, today, fsrs=settings.scheduler == "fsrs"),
            maturity=maturity(decks),
            topics=topics,
            streak_days=home.streak_days,
            reviews_today=home.reviews_today,
            due_today=home.due_today,
            new_available=home.new_available,
            drills_today=home.drills_today,
            retention_true_30d=true_30d,
            retention_weeks=weeks,
            decks=decks,
            coverage=Coverage(
                cards_met=sum(d.met for d in decks),
                cards_total=sum(d.total for d in decks),
                topics_met=sum(t.tried for t in topics),
                topics_total=len(topics),
            ),
            mistakes=mistake_stats(connection),
        )


def stats_json(data: StatsData) -> dict[str, Any]:
    """The `studyapp stats --json` object of docs/formats.md."""
    return {
        "today": data.today.isoformat(),
        "reviews_today": data.reviews_today,
        "drills_today": data.drills_today,
        "streak_days": data.streak_days,
        "due_today": data.due_today,
        "new_available": data.new_available,
        "retention_30d": data.retention_30d,
        "retention_true_30d": data.retention_true_30d,
        "retention_weeks": [
            {
                "week": w.start.isoformat(),
                "young": w.young,
                "young_passed": w.young_passed,
                "mature": w.mature,
                "mature_passed": w.mature_passed,
                "retention": w.share,
            }
            for w in data.retention_weeks
        ],
        "per_day": [
            {
                "date": d.date.isoformat(),
                "reviews": d.reviews,
                "correct": d.correct,
                "drills": d.drills,
                "drills_correct": d.drills_correct,
                "card_minutes": d.card_minutes,
                "drill_minutes": d.drill_minutes,
            }
            for d in data.per_day
        ],
        "forecast": [{"date": day.isoformat(), "due": n} for day, n in data.forecast],
        "maturity": data.maturity,
        "coverage": asdict(data.coverage),
        "decks": [
            {
                "deck": d.id,
                "name": d.name,
                "new": d.new,
                "learning": d.learning,
                "lapsed": d.lapsed,
                "young": d.young,
                "mature": d.mature,
            }
            for d in data.decks
        ],
        "topics": [
            {
                "topic": t.topic,
                "title": t.title,
                "attempts": t.attempts,
                "correct": t.correct,
                "accuracy": t.accuracy,
                "recent": t.recent,
                "recent_accuracy": t.recent_accuracy,
                "weak": t.weak,
                "lapses": t.lapses,
                "level": t.level,
                "mean_seconds": round(t.mean_seconds, 3),
                "total_seconds": round(t.total_seconds, 3),
                "due": t.due.isoformat() if t.due else None,
            }
            for t in data.topics
        ],
        "misconceptions": [
            {
                "id": m.id,
                "topic": m.topic,
                "description": m.description,
                "seen": m.seen,
                "last_seen": m.last_seen.isoformat(),
                "status": m.status,
            }
            for m in data.mistakes
        ],
    }
