"""The day a card was added, for cards that came without one (older backups)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select, update

from studyapp.store.schema import cards, reviews


def date_undated_cards(connection: Connection, today: date) -> int:
    """Give every card without an `added` day the day of its first logged grade (it was
    in the collection by then), else `today`; returns how many changed."""
    first_grade = (
        select(func.min(reviews.c.day))
        .where(reviews.c.kind == "card", reviews.c.item_id == cards.c.id)
        .scalar_subquery()
    )
    result = connection.execute(
        update(cards)
        .where(cards.c.added.is_(None))
        .values(added=func.coalesce(first_grade, today.toordinal()))
    )
    return int(result.rowcount or 0)
