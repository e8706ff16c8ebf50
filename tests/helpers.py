"""Small builders for tests: decks and cards straight into the database."""

from __future__ import annotations

from studyapp.store import Database
from studyapp.store.models import Card, Deck


def add_cards(db: Database, count: int, deck: str = "basics", **state: object) -> list[str]:
    """Add `count` cards to `deck` (created if missing) with an optional SM-2 state."""
    with db.session() as session, session.begin():
        if session.get(Deck, deck) is None:
            session.add(Deck(id=deck, name=deck.title(), description="", origin="bundled"))
        start = len(session.query(Card).all())
        ids = []
        for i in range(count):
            card_id = f"{deck}-{start + i:03d}"
            card = Card(
                id=card_id,
                deck_id=deck,
                position=start + i,
                front=f"front {card_id}",
                back=f"back {card_id}",
                tags="t1 t2",
            )
            for name, value in state.items():
                setattr(card, name, value)
            session.add(card)
            ids.append(card_id)
    return ids


TOTALS_FROM_LOG = """
    SELECT day, kind, count(*),
           sum(CASE WHEN quality >= 3 THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat AND quality >= 3 THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat AND prev_due IS NULL THEN 1 ELSE 0 END),
           sum(duration_ms),
           sum(CASE WHEN NOT repeat AND prev_repetitions > 0 AND prev_interval < 21
                    THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat AND prev_repetitions > 0 AND prev_interval < 21
                         AND quality >= 3 THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat AND prev_repetitions > 0 AND prev_interval >= 21
                    THEN 1 ELSE 0 END),
           sum(CASE WHEN NOT repeat AND prev_repetitions > 0 AND prev_interval >= 21
                         AND quality >= 3 THEN 1 ELSE 0 END)
    FROM reviews GROUP BY day, kind ORDER BY day, kind
"""
TOTALS_STORED = """
    SELECT day, kind, reviews, correct, graded, graded_correct, new_seen, duration_ms,
           young_graded, young_passed, mature_graded, mature_passed
    FROM daily_totals WHERE reviews > 0 ORDER BY day, kind
"""


def assert_totals_match_log(connection) -> None:
    """The per-day totals equal what the review log says (a raw DB-API connection)."""
    assert (
        connection.execute(TOTALS_STORED).fetchall()
        == connection.execute(TOTALS_FROM_LOG).fetchall()
    )
