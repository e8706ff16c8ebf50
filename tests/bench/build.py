"""Build a synthetic collection of any size through the project's own store.

The shape follows docs/architecture.md: a third of the cards new, the rest in review with due dates
spread over the past 30 and the next 365 days; review-log rows spread over two years; a
few thousand drill attempts. Rows go in with SQLAlchemy Core executemany, in batches, so
the same code builds on SQLite and on PostgreSQL; a progress bar on stderr counts them
(at 100,000 cards and 1,000,000 reviews the build takes minutes).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import click
from sqlalchemy import insert

from studyapp.store import Database, totals
from studyapp.store.models import Card, Deck, DrillAttempt, DrillTopic, Review

BATCH = 50_000


def build_collection(db: Database, cards: int, reviews: int, today: date, seed: int = 1) -> None:
    with click.progressbar(
        length=cards + reviews,
        label=f"building {cards:,} cards and {reviews:,} reviews",
        file=sys.stderr,
    ) as bar:
        _build(db, cards, reviews, today, seed, bar.update)


def _build(
    db: Database, cards: int, reviews: int, today: date, seed: int, done: Callable[[int], None]
) -> None:
    rng = random.Random(seed)
    decks = [f"deck{i:02d}" for i in range(20)]
    with db.engine.begin() as connection:
        connection.execute(
            insert(Deck),
            [
                {"id": d, "name": f"Synthetic {d}", "description": "", "origin": "import"}
                for d in decks
            ],
        )
        rows = []
        for i in range(cards):
            card = {
                "id": f"c{i:07d}",
                "deck_id": decks[i % len(decks)],
                "position": i,
                "front": f"Synthetic question number {i} about neural networks?",
                "back": f"Synthetic answer {i}.",
                "mnemonic": None,
                "why": None,
                "tags": "synthetic bench",
                "source": None,
                "easiness": 2.5,
                "repetitions": 0,
                "interval": 0,
                "due": None,
                "lapses": 0,
                "last_review": None,
            }
            if i % 3:
                interval = rng.choice([1, 3, 6, 15, 40, 90, 200])
                card.update(
                    easiness=round(rng.choice(range(130, 301, 2)) / 100, 2),
                    repetitions=rng.randint(1, 12),
                    interval=interval,
                    due=today + timedelta(days=rng.randint(-30, 365)),
                    lapses=rng.randint(0, 3),
                    last_review=today - timedelta(days=rng.randint(0, 60)),
                )
            rows.append(card)
            if len(rows) == BATCH:
                connection.execute(insert(Card), rows)
                done(len(rows))
                rows = []
        if rows:
            connection.execute(insert(Card), rows)
            done(len(rows))
        from studyapp.drills import registry

        topics = list(registry())
        connection.execute(
            insert(DrillTopic),
            [
                {
                    "id": t,
                    "title": t,
                    "due": today + timedelta(days=rng.randint(-5, 20)),
                    "repetitions": 2,
                    "interval": 6,
                    "easiness": 2.5,
                    "lapses": 0,
                    "last_review": today - timedelta(days=3),
                }
                for t in topics
            ],
        )
    reviewed_cards = [f"c{i:07d}" for i in range(cards) if i % 3] or ["c0000000"]
    start = today - timedelta(days=730)
    with db.engine.begin() as connection:
        rows = []
        for n in range(reviews):
            day = start + timedelta(days=rng.randrange(731))
            quality = rng.choices((1, 2, 3, 4, 5), (5, 5, 20, 45, 25))[0]
            moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            rows.append(
                {
                    "kind": "card",
                    "item_id": reviewed_cards[n % len(reviewed_cards)],
                    "reviewed_at": moment,
                    "day": day,
                    "quality": quality,
                    "duration_ms": rng.randint(1500, 15000),
                    "repeat": False,
                    "prev_easiness": 2.5,
                    "prev_repetitions": 1,
                    "prev_interval": 1,
                    "prev_due": day,
                    "prev_lapses": 0,
                    "prev_last_review": None,
                    "easiness": 2.5,
                    "repetitions": 2,
                    "interval": 6,
                    "due": day + timedelta(days=6),
                    "lapses": 0,
                }
            )
            if len(rows) == BATCH:
                connection.execute(insert(Review), rows)
                done(len(rows))
                rows = []
        if rows:
            connection.execute(insert(Review), rows)
            done(len(rows))
        attempts = []
        for n in range(max(1, reviews // 50)):
            day = start + timedelta(days=rng.randrange(731))
            correct = rng.random() < 0.7
            attempts.append(
                {
                    "topic_id": topics[n % len(topics)],
                    "seed": n,
                    "difficulty": 1,
                    "inputs": json.dumps({"z": [1.0, 2.0]}),
                    "expected": "[0.5]",
                    "typed": "0.5",
                    "outcome": "correct" if correct else "wrong",
                    "correct": correct,
                    "hint_used": False,
                    "attempted_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    "day": day,
                    "duration_ms": rng.randint(5000, 60000),
                    "review_id": None,
                }
            )
        connection.execute(insert(DrillAttempt), attempts)
        totals.rebuild(connection)
    # As after a learner's first start: the drill topics are recorded as up to date, so
    # later starts skip importing every drill family (see Collection.sync_topics).
    from studyapp.collection import Collection
    from studyapp.config import Settings

    Collection(db, Settings()).sync_topics()
    from studyapp.store.planner_statistics import refresh_planner_statistics

    refresh_planner_statistics(db)  # PostgreSQL: as after a restore (SQLite: below)
    if db.engine.dialect.name == "sqlite":
        # Outside any transaction (the store's "begin" hook would open one): a checkpoint
        # inside BEGIN fails with "database table is locked".
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
