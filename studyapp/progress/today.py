"""What today holds: the home screen's counts, the daily limits spent, the streak.

These are the reads every start makes before the first screen can paint, so they are
store statements (store/statements.py) run by name, with no SQLAlchemy import on a
SQLite file. A day goes in and comes out as its ordinal, its stored form (store/rows.py
converts everything else; importing it here would cost start-up a few milliseconds).
Each query is answered from an index: the partial covering indexes on `cards`
(ix_cards_due, ix_cards_new_by_deck, ix_cards_seen_by_deck) and the `daily_totals` key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from studyapp.config import Settings
from studyapp.progress.estimate import RECENT, minutes_today
from studyapp.progress.opening import Item, open_items
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
    opened: bool = True
    """False while the learning path keeps the deck's new cards for later."""


@dataclass(frozen=True)
class HomeCounts:
    """What the home screen shows: per deck, drills, and today's progress."""

    today: date
    decks: list[DeckCounts]
    due_today: int  # cards due now (capped by the daily review limit left)
    new_available: int  # new cards from open decks that today's limit still allows
    topics_due: int
    topics_new: int  # new topics open on the path that today's limit still allows
    reviews_today: int  # card grades today
    streak_days: int
    drills_today: int = 0  # drill attempts today
    weakest: list[RecentResults] = field(default_factory=list)
    """The weakest tried topics first (progress/weakness.py), up to WEAKEST_SHOWN."""
    minutes: int = 0
    """Today's estimated study time, from the learner's own pace (progress/estimate.py)."""
    new_room: int = 0
    """New cards today's limit still allows from any deck (a deck picked by hand ignores
    the path, not the limit)."""
    mistakes_active: int = 0
    """Misconceptions the learner still makes (review/misconceptions.py)."""
    mistakes_due: int = 0
    """Of those, due today: each is a turn of the drill session."""
    leeches: int = 0
    """Cards tagged `leech` (suspended or not): the cards the learner keeps failing."""
    leech_topics: int = 0
    """Drill topics in play whose lapses reached `leech_threshold`."""
    extra_new: int = 0
    """Custom study's "N more new cards today", already in `new_room`."""

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


def new_topics_room(reader: Runner, settings: Settings, today: date) -> int:
    """How many never-drilled topics today may still bring: topics first drilled today
    count against `new_topics_per_day`."""
    started = reader.scalar("topic_usage", {"today": today.toordinal()}) or 0
    return max(0, settings.new_topics_per_day - int(started))


@dataclass(frozen=True)
class PathState:
    """What the learning path lets in today, from one snapshot's counts."""

    opened: set[Item]
    undrilled: list[str]  # topics in play never drilled (any order)


def path_state(reader: Runner, requires: Mapping[Item, Sequence[Item]]) -> PathState:
    """Apply the opening rule (progress/opening.py) to the collection as it stands.

    Only the decks the path waits for are counted, each by seeks on ix_cards_seen_by_deck
    and ix_cards_new_by_deck: they are bundled decks, so the cost stays the same however
    large the rest of the collection grows."""
    waited_for = {name for needs in requires.values() for kind, name in needs if kind == "deck"}
    progress = {}
    for deck in waited_for:
        seen = int(reader.scalar("seen_in_deck", {"deck": deck}) or 0)
        new = int(reader.scalar("new_in_deck", {"deck": deck}) or 0)
        progress[deck] = (seen, seen + new)
    undrilled = [topic for topic, due in reader.all("topic_states") if due is None]
    return PathState(open_items(requires, progress, set(undrilled)), undrilled)


def is_open(kind: str, name: str, requires: Mapping[Item, object], opened: set[Item]) -> bool:
    """Open on the path, or not on it at all (the learner's own decks open from day one)."""
    return (kind, name) not in requires or (kind, name) in opened


def recent_durations(reader: Runner) -> tuple[list[int], list[int]]:
    """The durations (ms) of the latest card reviews and drill attempts."""
    window = {"window": RECENT}
    cards = [int(ms) for (ms,) in reader.all("recent_card_durations", window)]
    drills = [int(ms) for (ms,) in reader.all("recent_drill_durations", window)]
    return cards, drills


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


def home_counts(
    db: Database, settings: Settings, requires: Mapping[Item, Sequence[Item]] | None = None
) -> HomeCounts:
    """Every count of the home screen, read in one snapshot.

    `requires` is the learning path (decks/path.py: item -> what it waits for); new cards
    and new topics count only from what it has opened, as the sessions take them."""
    today = settings.today()
    at = {"today": today.toordinal()}
    requires = requires or {}
    by = "_fsrs" if settings.scheduler == "fsrs" else ""  # the active scheduler's due day
    with db.reading() as reader:
        due_by_deck = dict(reader.all("due_by_deck" + by, at))
        new_by_deck = dict(reader.all("new_by_deck"))
        names = dict(reader.all("deck_names"))
        topics_due, _never_drilled = reader.one("topic_counts" + by, at) or (0, 0)
        usage = daily_usage(reader, today)
        done = dict(reader.all("reviews_on_day", at))
        streak = streak_days(reader, today)
        weakest = weakest_topics(reader)
        state = path_state(reader, requires)
        topic_room = new_topics_room(reader, settings, today)
        card_ms, drill_ms = recent_durations(reader)
        mistakes_active, mistakes_due = reader.one("mistake_counts", at) or (0, 0)
        leeches = reader.scalar("leech_count", {})
        leech_topics = reader.scalar("leech_topics", {"threshold": settings.leech_threshold})
    decks = sorted(
        (
            DeckCounts(
                d,
                name,
                int(due_by_deck.get(d, 0)),
                int(new_by_deck.get(d, 0)),
                is_open("deck", d, requires, state.opened),
            )
            for d, name in names.items()
        ),
        key=lambda deck: deck.name.lower(),
    )
    due = min(
        sum(deck.due for deck in decks), max(0, settings.reviews_per_day - usage.reviews_done)
    )
    new_room = max(0, settings.new_limit(today) - usage.new_seen)
    new = min(sum(deck.new for deck in decks if deck.opened), new_room)
    open_new_topics = sum(1 for t in state.undrilled if is_open("topic", t, requires, state.opened))
    topics_new = min(open_new_topics, topic_room)
    return HomeCounts(
        today=today,
        decks=decks,
        due_today=due,
        new_available=new,
        topics_due=int(topics_due or 0),
        topics_new=topics_new,
        reviews_today=int(done.get("card", 0)),
        streak_days=streak,
        drills_today=int(done.get("topic", 0)),
        weakest=weakest,
        minutes=minutes_today(due + new, int(topics_due or 0) + topics_new, card_ms, drill_ms),
        new_room=new_room,
        mistakes_active=int(mistakes_active or 0),
        mistakes_due=int(mistakes_due or 0),
        leeches=int(leeches or 0),
        leech_topics=int(leech_topics or 0),
        extra_new=settings.new_limit(today) - settings.new_per_day,
    )
