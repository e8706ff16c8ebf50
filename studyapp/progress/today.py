"""What today holds: the home screen's counts, the daily limits spent, the streak.

These are the reads every start makes before the first screen can paint, so they are
store statements (store/statements.py) run by name, with no SQLAlchemy import on a
SQLite file. A day goes in and comes out as its ordinal, its stored form (store/rows.py
converts everything else; importing it here would cost start-up a few milliseconds).
Each query is answered from an index: the partial covering indexes on `cards`
(ix_cards_due, ix_cards_new_by_deck) and the `daily_totals` key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from studyapp.config import Settings
from studyapp.progress.weakness import (
    RECENT_RESULTS,
    RecentResults,
    marks,
    recent_by_topic,
    weakness,
)
from studyapp.store.runner import Runner

if TYPE_CHECKING:
    from studyapp.store import Database


@dataclass(frozen=True)
class DeckCounts:
    id: str
    name: str
    due: int
    new: int


@dataclass(frozen=True)
class HomeCounts:
    """What the home screen shows: per deck, drills, and today's progress."""

    today: date
    decks: list[DeckCounts]
    due_today: int  # cards due now (capped by the daily review limit left)
    new_available: int  # new cards that today's limit still allows
    topics_due: int
    topics_new: int
    reviews_today: int  # card grades today
    streak_days: int
    drills_today: int = 0  # drill attempts today
    weakest: list[RecentResults] = field(default_factory=list)
    """The weakest tried topics first (progress/weakness.py), up to WEAKEST_SHOWN."""

    @property
    def left_today(self) -> int:
        return self.due_today + self.new_available


@dataclass(frozen=True)
class DailyUsage:
    """How much of today's limits is spent: reviews of learned cards and new cards seen."""

    reviews_done: int
    new_seen: int


def daily_usage(reader: Runner, today: date) -> DailyUsage:
    found = reader.one("card_usage", {"today": today.toordinal()})
    if found is None:
        return DailyUsage(0, 0)
    graded, new = found
    return DailyUsage(int(graded) - int(new), int(new))


def streak_days(reader: Runner, today: date) -> int:
    """Study days in a row with at least one review, ending today (or yesterday, if today
    has none yet: a streak is not broken until the day is over). Days in the future — a
    clock that moved backwards — are ignored."""
    newest, run = reader.one("streak", {"today": today.toordinal()}) or (None, 0)
    if newest is None or newest < today.toordinal() - 1:
        return 0
    return int(run)


WEAKEST_SHOWN = 5


def weakest_topics(reader: Runner, count: int = WEAKEST_SHOWN) -> list[RecentResults]:
    """The `count` weakest drill topics that were tried and are not suspended."""
    rows = reader.all("topic_recent", {"recent": RECENT_RESULTS})
    results = recent_by_topic((topic, correct) for topic, _, _, _, correct in rows)
    about = {topic: (title, lapses, suspended) for topic, title, lapses, suspended, _ in rows}
    topics = [
        RecentResults(topic, title or topic, marks(results[topic]), int(lapses))
        for topic, (title, lapses, suspended) in about.items()
        if results[topic] and not suspended
    ]
    return sorted(topics, key=weakness)[:count]


def home_counts(db: Database, settings: Settings) -> HomeCounts:
    """Every count of the home screen, read in one snapshot."""
    today = settings.today()
    at = {"today": today.toordinal()}
    with db.reading() as reader:
        due_by_deck = dict(reader.all("due_by_deck", at))
        new_by_deck = dict(reader.all("new_by_deck"))
        names = dict(reader.all("deck_names"))
        topics_due, topics_new = reader.one("topic_counts", at) or (0, 0)
        usage = daily_usage(reader, today)
        done = dict(reader.all("reviews_on_day", at))
        streak = streak_days(reader, today)
        weakest = weakest_topics(reader)
    decks = sorted(
        (
            DeckCounts(d, name, int(due_by_deck.get(d, 0)), int(new_by_deck.get(d, 0)))
            for d, name in names.items()
        ),
        key=lambda deck: deck.name.lower(),
    )
    due = sum(deck.due for deck in decks)
    new = sum(deck.new for deck in decks)
    return HomeCounts(
        today=today,
        decks=decks,
        due_today=min(due, max(0, settings.reviews_per_day - usage.reviews_done)),
        new_available=min(new, max(0, settings.new_per_day - usage.new_seen)),
        topics_due=int(topics_due or 0),
        topics_new=int(topics_new or 0),
        reviews_today=int(done.get("card", 0)),
        streak_days=streak,
        drills_today=int(done.get("topic", 0)),
        weakest=weakest,
    )
