"""Builders for the UI tests: a small fixed collection on a temporary SQLite file.

The decks are the two small files under `fixtures/decks` (not the bundled content, which
keeps growing), the drill topics a fixed handful, the date 10 March 2026 at noon, and the
drill seed 7 — so counts, problems and screenshots are the same on every run.
The `studied` fixture adds three weeks of reviews and drills made through the real sessions with
the clock moved back, for the stats screen and for cards that are due today.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.decks.sync import sync_bundled_decks, sync_topics
from studyapp.drills import registry
from studyapp.drills.base import show

LOCAL = timezone(timedelta(hours=1))
TODAY_NOON = datetime(2026, 3, 10, 12, 0, tzinfo=LOCAL)
FIXTURE_DECKS = Path(__file__).parent / "fixtures" / "decks"
TOPICS = ("chain_rule", "mse", "neuron", "softmax")
SEED = 7
HISTORY_DAYS = (21, 20, 18, 15, 14, 13, 10, 8, 7, 6, 4, 3, 2, 1)
"""Days before today on which the history fixture studied (gaps make a streak of 4)."""


def open_collection(path: Path, clock: FixedClock) -> Collection:
    """The test collection at `path`: fixture decks and topics only, fixed clock."""
    collection = Collection.open(f"sqlite:///{path}", Settings(clock=clock), sync=False)
    # added on the first day of the history that build_history may write (before any grade)
    added = collection.settings.today() - timedelta(days=max(HISTORY_DAYS))
    sync_bundled_decks(collection.db, FIXTURE_DECKS, added)
    collection.content = FIXTURE_DECKS  # where the source lines find each card's section
    found = registry()
    sync_topics(collection.db, [(t, found[t].title) for t in TOPICS])
    return collection


def right_answer(answer: object) -> str:
    """The engine's answer typed the way a learner would (6 decimals: well inside tolerance)."""
    return show(answer, 6)  # type: ignore[arg-type]


def wrong_answer(answer: object) -> str:
    """12345 in every place of the engine's answer: wrong, yet of the right shape (an answer
    of another shape is a slip, explained and not recorded)."""
    if isinstance(answer, list):
        return "[" + ", ".join(wrong_answer(item) for item in answer) + "]"
    return "12345"


def build_history(collection: Collection, clock: FixedClock) -> None:
    """Study on the HISTORY_DAYS with a fixed pattern of grades and drill answers."""
    grades = (5, 4, 3, 4, 2, 5, 4, 1)
    for n, back in enumerate(HISTORY_DAYS):
        clock.current = TODAY_NOON - timedelta(days=back)
        # Both decks picked (file order, as before the learning path interleaved new cards),
        # so that the history and the snapshots built on it stay what they were
        review = collection.review(["ui_basics", "ui_training"])
        k = 0
        while review.current is not None and k < 12:
            review.grade(grades[(n + k) % len(grades)] if not review.is_repeat else 4, 9000)
            clock.advance(seconds=9)
            k += 1
        drill = collection.drill(list(TOPICS[n % 2 :: 2]), seed=SEED + n)
        for j in range(2):
            problem = drill.problem
            assert problem is not None
            clock.advance(seconds=40 + 10 * j)
            drill.submit(
                right_answer(problem.answer) if (n + j) % 3 else wrong_answer(problem.answer)
            )
            drill.next()
    clock.current = TODAY_NOON
