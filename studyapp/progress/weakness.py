"""Which drill topics are weakest: recent results, their marks, the ranking.

Shared by the stats screen and the home screen's panel, so both rank alike. Nothing here
imports SQLAlchemy: the home screen reads its rows through a compiled store statement.

Weakness: a tried topic is weaker the lower its accuracy over its last RECENT_RESULTS
attempts; ties go to the topic with more lapses (failures after it had been learned),
then by title. A tried topic is *weak* when that recent accuracy is below WEAK_BELOW.
Never-tried topics come after every tried one: unknown is not weak, but they stay listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

RECENT_RESULTS = 10
"""How many of a topic's latest attempts its marks and recent accuracy cover."""
WEAK_BELOW = 0.7
"""Recent accuracy under this marks a topic weak (fewer than 7 of the last 10 right)."""
RIGHT, WRONG = "✓", "✗"


def marks(results: Iterable[bool]) -> str:
    """Results, oldest first, as ✓ (right) and ✗ (wrong or given up)."""
    return "".join(RIGHT if ok else WRONG for ok in results)


@dataclass(frozen=True)
class RecentResults:
    """A topic's latest results: enough to rank it and to show it."""

    topic: str
    title: str
    recent: str  # marks of the last RECENT_RESULTS attempts, oldest first
    lapses: int

    @property
    def tried(self) -> bool:
        return bool(self.recent)

    @property
    def recent_accuracy(self) -> float | None:
        return self.recent.count(RIGHT) / len(self.recent) if self.recent else None

    @property
    def weak(self) -> bool:
        share = self.recent_accuracy
        return share is not None and share < WEAK_BELOW


def weakness(topic: RecentResults) -> tuple[bool, float, int, str]:
    """Sort key: tried before untried, lower recent accuracy, more lapses, then title."""
    share = topic.recent_accuracy
    return (share is None, share if share is not None else 1.0, -topic.lapses, topic.title.lower())


@dataclass(frozen=True)
class TopicStat(RecentResults):
    """Everything the stats show of one drill topic."""

    attempts: int
    correct: int
    mean_seconds: float
    total_seconds: float
    due: date | None
    level: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


def recent_by_topic(rows: Iterable[Sequence[object]]) -> dict[str, list[bool]]:
    """(topic id, correct or None for no attempt) rows, oldest first within a topic, into
    each topic's results (an untried topic: an empty list)."""
    found: dict[str, list[bool]] = {}
    for topic, correct in rows:
        results = found.setdefault(str(topic), [])
        if correct is not None:
            results.append(bool(correct))
    return found
