"""What today holds: the home screen's counts, the daily limits spent, the streak.

These are the reads every start makes before the first screen can paint, so they are
plain SQL run by a store PlainSql (see store/plain.py), with no SQLAlchemy import on a
SQLite file. Each query is answered from an index: the partial covering indexes on
`cards` (ix_cards_due, ix_cards_new_by_deck) and the `daily_totals` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from studyapp.config import Settings
from studyapp.store.plain import PlainSql

if TYPE_CHECKING:
    from studyapp.store import Database

_ACTIVE = "suspended = {false} AND retired = {false}"
DUE_BY_DECK = (
    f"SELECT deck_id, count(*) FROM cards WHERE {_ACTIVE} "
    "AND due IS NOT NULL AND due <= :today GROUP BY deck_id"
)
NEW_BY_DECK = f"SELECT deck_id, count(*) FROM cards WHERE {_ACTIVE} AND due IS NULL GROUP BY deck_id"
DECK_NAMES = "SELECT id, name FROM decks WHERE retired = {false}"
TOPIC_COUNTS = (
    "SELECT count(*) FILTER (WHERE due IS NOT NULL AND due <= :today), "
    "count(*) FILTER (WHERE due IS NULL) FROM drill_topics WHERE suspended = {false}"
)
REVIEWS_ON_DAY = "SELECT sum(reviews) FROM daily_totals WHERE day = :today"
CARD_USAGE = "SELECT graded, new_seen FROM daily_totals WHERE day = :today AND kind = 'card'"
# Study days up to :today, newest first with their rank n = 1, 2, ... While the days run
# without a gap, day + n equals the newest day + 1; at the first gap it drops below, and
# stays below. So one statement gives the newest study day and the length of its run.
STREAK = """
WITH studied AS (
    SELECT DISTINCT day FROM daily_totals WHERE day <= :today AND reviews > 0
), ranked AS (
    SELECT day, row_number() OVER (ORDER BY day DESC) AS n FROM studied
)
SELECT max(day), count(*) FROM ranked WHERE day + n = (SELECT max(day) FROM studied) + 1
"""


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
    reviews_today: int
    streak_days: int

    @property
    def left_today(self) -> int:
        return self.due_today + self.new_available


@dataclass(frozen=True)
class DailyUsage:
    """How much of today's limits is spent: reviews of learned cards and new cards seen."""

    reviews_done: int
    new_seen: int


def daily_usage(reader: PlainSql, today: date) -> DailyUsage:
    found = reader.one(CARD_USAGE, {"today": today.toordinal()})
    if found is None:
        return DailyUsage(0, 0)
    graded, new = found
    return DailyUsage(int(graded) - int(new), int(new))


def streak_days(reader: PlainSql, today: date) -> int:
    """Study days in a row with at least one review, ending today (or yesterday, if today
    has none yet: a streak is not broken until the day is over). Days in the future — a
    clock that moved backwards — are ignored."""
    newest, run = reader.one(STREAK, {"today": today.toordinal()}) or (None, 0)
    if newest is None or newest < today.toordinal() - 1:
        return 0
    return int(run)


def home_counts(db: Database, settings: Settings) -> HomeCounts:
    """Every count of the home screen, read in one snapshot."""
    today = settings.today()
    at = {"today": today.toordinal()}
    with db.reading() as reader:
        due_by_deck = dict(reader.all(DUE_BY_DECK, at))
        new_by_deck = dict(reader.all(NEW_BY_DECK))
        names = dict(reader.all(DECK_NAMES))
        topics_due, topics_new = reader.one(TOPIC_COUNTS, at) or (0, 0)
        usage = daily_usage(reader, today)
        reviews_today = reader.scalar(REVIEWS_ON_DAY, at) or 0
        streak = streak_days(reader, today)
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
        reviews_today=int(reviews_today),
        streak_days=streak,
    )
