"""Today's queues: the cards due and new within the daily limits, the drill topics due and
new, new ones taken as the learning path opens them (content/path.toml, decks/path.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.decks.path import LearningPath
from studyapp.progress.opening import interleave, open_in_order
from studyapp.progress.today import daily_usage, new_topics_room, path_state
from studyapp.store.models import Card, Deck, DrillTopic, MisconceptionRow, active_card
from studyapp.store.runner import CoreRunner


@dataclass(frozen=True)
class Planned:
    """One item of today's plan: its id, its deck (cards) and "review"/"new" or "due"/"new"."""

    id: str
    kind: str
    deck: str = ""


def plan_cards(
    session: Session,
    settings: Settings,
    today: date,
    deck_ids: Sequence[str] | None = None,
    path: LearningPath | None = None,
) -> list[Planned]:
    """Today's cards: due reviews (most overdue first), then new cards within the limits.

    Without `deck_ids`, new cards come from the decks the path has opened, one from each in
    turn (path order, then the learner's own decks by name), each deck's in file order. A
    deck picked by hand (`deck_ids`) gives its new cards in file order, path or not."""
    reader = CoreRunner(session)  # in the queue's own snapshot
    usage = daily_usage(reader, today)
    review_room = max(0, settings.reviews_per_day - usage.reviews_done)
    new_room = max(0, settings.new_limit(today) - usage.new_seen)
    active = active_card()
    card_due = Card.fsrs_due if settings.scheduler == "fsrs" else Card.due  # issue 17
    due = (
        select(Card.id, Card.deck_id)
        .where(*active, card_due.is_not(None), card_due <= today)
        .order_by(card_due, Card.position)
        .limit(review_room)
    )
    if deck_ids:
        due = due.where(Card.deck_id.in_(deck_ids))
    planned = [Planned(card, "review", deck) for card, deck in session.execute(due)]
    if new_room == 0:
        return planned
    if deck_ids:
        new = (
            select(Card.id, Card.deck_id)
            .where(*active, Card.due.is_(None), Card.deck_id.in_(deck_ids))
            .order_by(Card.position)
            .limit(new_room)
        )
        return planned + [Planned(card, "new", deck) for card, deck in session.execute(new)]
    requires = path.requires() if path else {}
    opened = path_state(reader, requires).opened
    names = session.execute(select(Deck.id, Deck.name).where(Deck.retired == false())).all()
    by_name = [d for d, _ in sorted(names, key=lambda row: (row[1].lower(), row[0]))]
    decks = open_in_order("deck", path.order("deck") if path else [], by_name, opened)
    per_deck = _first_new_per_deck(reader, decks, new_room)
    new_ids = interleave(per_deck, new_room)
    deck_of = {card: deck for deck, cards in zip(decks, per_deck, strict=True) for card in cards}
    return planned + [Planned(card, "new", deck_of[card]) for card in new_ids]


def _first_new_per_deck(reader: CoreRunner, decks: Sequence[str], room: int) -> list[list[str]]:
    """Enough of each deck's first new cards for `interleave` to fill `room`: an even share
    from each, then, if some deck ran short, up to `room` from the decks that did not (the
    turn-taking then goes deeper into them). An empty list: the deck has no new cards."""
    share = -(-room // max(1, len(decks)))
    per_deck = [_first_new(reader, deck, share) for deck in decks]
    if sum(map(len, per_deck)) >= room:
        return per_deck
    return [
        cards if len(cards) < share else _first_new(reader, deck, room)
        for deck, cards in zip(decks, per_deck, strict=True)
    ]


def _first_new(reader: CoreRunner, deck: str, limit: int) -> list[str]:
    """A deck's first `limit` new cards in file order: one compiled statement per deck
    (store/statements.py `first_new_in_deck`), answered by a seek on the index."""
    return [card for (card,) in reader.all("first_new_in_deck", {"deck": deck, "room": limit})]


def build_card_queue(
    session: Session,
    settings: Settings,
    today: date,
    deck_ids: Sequence[str] | None = None,
    path: LearningPath | None = None,
) -> list[str]:
    """Today's card ids, in the order the session shows them (see `plan_cards`)."""
    return [item.id for item in plan_cards(session, settings, today, deck_ids, path)]


def plan_topics(
    session: Session, settings: Settings, today: date, path: LearningPath | None = None
) -> list[Planned]:
    """Drill topics due today (most overdue first), then topics never drilled that the path
    has opened, in path order, as many as today's `new_topics_per_day` still allows."""
    from studyapp.drills import registry

    known = set(registry())
    reader = CoreRunner(session)
    active = (DrillTopic.suspended == false(),)
    topic_due = DrillTopic.fsrs_due if settings.scheduler == "fsrs" else DrillTopic.due
    due = (
        select(DrillTopic.id)
        .where(*active, topic_due.is_not(None), topic_due <= today)
        .order_by(topic_due, DrillTopic.id)
    )
    planned = [Planned(t, "due") for t in session.scalars(due) if t in known]
    room = new_topics_room(reader, settings, today)
    if room == 0:
        return planned
    requires = path.requires() if path else {}
    state = path_state(reader, requires)
    never = sorted(t for t in state.undrilled if t in known)
    order = path.order("topic") if path else []
    new = open_in_order("topic", order, never, state.opened)[:room]
    return planned + [Planned(t, "new") for t in new]


def build_topic_queue(
    session: Session, settings: Settings, today: date, path: LearningPath | None = None
) -> list[str]:
    """Today's drill topic ids, in the order the session asks them (see `plan_topics`)."""
    return [item.id for item in plan_topics(session, settings, today, path)]


class Tempting(str):
    """A drill queue entry that is a misconception's turn: its topic id (so the queue still
    reads as topic ids) and `slip`, the mistake its problem is drawn to tempt."""

    slip: str

    def __new__(cls, topic_id: str, slip: str) -> Tempting:
        entry = super().__new__(cls, topic_id)
        entry.slip = slip
        return entry


def plan_mistakes(session: Session, today: date) -> list[Tempting]:
    """The misconceptions due today (most overdue first), each as a turn of the topic it
    was last made in; a topic no longer registered or suspended brings none."""
    from studyapp.drills import registry

    known = set(registry())
    due = (
        select(MisconceptionRow.id, MisconceptionRow.topic_id)
        .join(DrillTopic, DrillTopic.id == MisconceptionRow.topic_id)
        .where(
            MisconceptionRow.status == "active",
            MisconceptionRow.due.is_not(None),
            MisconceptionRow.due <= today,
            DrillTopic.suspended == false(),
        )
        .order_by(MisconceptionRow.due, MisconceptionRow.id)
    )
    return [Tempting(topic, slip) for slip, topic in session.execute(due) if topic in known]


def build_drill_queue(
    session: Session, settings: Settings, today: date, path: LearningPath | None = None
) -> list[str]:
    """The drill session's queue: the topics due, then the misconceptions due (each a
    `Tempting` turn of its topic), then the new topics (see `plan_topics`)."""
    planned = plan_topics(session, settings, today, path)
    due = [item.id for item in planned if item.kind == "due"]
    new = [item.id for item in planned if item.kind != "due"]
    return [*due, *plan_mistakes(session, today), *new]
