"""Today's queues: the cards due and new within the daily limits, the drill topics due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.progress.today import daily_usage
from studyapp.store.models import Card, DrillTopic, active_card
from studyapp.store.runner import CoreRunner


def build_card_queue(
    session: Session, settings: Settings, today: date, deck_ids: Sequence[str] | None = None
) -> list[str]:
    """Today's card ids: due reviews (most overdue first), then new cards, within the limits."""
    usage = daily_usage(CoreRunner(session), today)  # in the queue's own snapshot
    review_room = max(0, settings.reviews_per_day - usage.reviews_done)
    new_room = max(0, settings.new_per_day - usage.new_seen)
    active = active_card()
    due = (
        select(Card.id)
        .where(*active, Card.due.is_not(None), Card.due <= today)
        .order_by(Card.due, Card.position)
        .limit(review_room)
    )
    new = select(Card.id).where(*active, Card.due.is_(None)).order_by(Card.position).limit(new_room)
    if deck_ids:
        due = due.where(Card.deck_id.in_(deck_ids))
        new = new.where(Card.deck_id.in_(deck_ids))
    return list(session.scalars(due)) + list(session.scalars(new))


def build_topic_queue(session: Session, today: date) -> list[str]:
    """Drill topics due today (most overdue first), then topics never drilled, in id order."""
    from studyapp.drills import registry

    known = set(registry())
    active = (DrillTopic.suspended == false(),)
    due = (
        select(DrillTopic.id)
        .where(*active, DrillTopic.due.is_not(None), DrillTopic.due <= today)
        .order_by(DrillTopic.due, DrillTopic.id)
    )
    new = select(DrillTopic.id).where(*active, DrillTopic.due.is_(None)).order_by(DrillTopic.id)
    return [t for t in [*session.scalars(due), *session.scalars(new)] if t in known]
