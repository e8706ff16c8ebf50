"""Cards the learner writes and rewrites: add to a deck of their own, edit, revert.

An edit keeps the card's id, schedule and history. A card of a bundled deck is not
rewritten in place for good: the learner's version is stored as an override
(decks/overrides.py) that every later sync of the bundled decks lays over the bundled
text, and that a revert removes. Each function here is one transaction; the collection
records its exact undo (`text_state` / `put_text_state`, `remove_added_card`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from studyapp.decks.overrides import (
    TEXT_FIELDS,
    Fields,
    changed_fields,
    decode,
    encode,
    fields_of,
    put_fields,
)
from studyapp.store import Database
from studyapp.store.models import Card, CardOverride, Deck, Review

OWN_ORIGINS = ("own", "import")
"""Decks a learner may add cards to: made here, or imported from their own files."""


class CardProblem(ValueError):
    """A card the learner asked for cannot be written as it is; the message says why."""


@dataclass(frozen=True)
class CardText:
    """A card's editable text with where it lives (the edit form's content)."""

    id: str
    deck_id: str
    deck_name: str
    bundled_deck: bool
    front: str
    back: str
    mnemonic: str | None
    why: str | None
    tags: str
    overridden: bool
    """True when this is the learner's version of a bundled card (revert brings it back)."""

    @property
    def fields(self) -> Fields:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


@dataclass(frozen=True)
class TextState:
    """A card's text and its override row as they were: what an edit's undo puts back."""

    fields: Fields
    override: tuple[str, str, datetime] | None
    """(fields, bundled, changed_at) of its override row, None when it had none."""


@dataclass(frozen=True)
class AddedCard:
    card_id: str
    deck_id: str
    deck_created: bool


def clean_fields(fields: Mapping[str, str | None]) -> Fields:
    """The form's fields as stored: text trimmed, empty hook/why as None, tags one space
    apart; a front or back left empty is refused."""
    cleaned: Fields = {}
    for name in TEXT_FIELDS:
        value = (fields.get(name) or "").strip()
        if name == "tags":
            value = " ".join(value.replace(",", " ").split())
        cleaned[name] = value or (None if name in ("mnemonic", "why") else "")
    for name in ("front", "back"):
        if not cleaned[name]:
            raise CardProblem(f"a card needs a {name}")
    return cleaned


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "deck"


def own_decks(db: Database) -> list[tuple[str, str]]:
    """(id, name) of the decks a learner may add cards to, by name."""
    with db.session() as session:
        query = (
            select(Deck.id, Deck.name)
            .where(Deck.origin.in_(OWN_ORIGINS), Deck.retired.is_(False))
            .order_by(Deck.name)
        )
        return [(row[0], row[1]) for row in session.execute(query)]


def _deck_for(session: Session, name: str) -> tuple[Deck, bool]:
    """The learner's deck called `name` (or with that id), made on the spot if none is."""
    wanted = " ".join(name.split())
    if not wanted:
        raise CardProblem("a card needs a deck: type a deck name")
    for deck in session.scalars(select(Deck).where(Deck.origin.in_(OWN_ORIGINS))):
        if wanted.casefold() in (deck.name.casefold(), deck.id.casefold()):
            deck.retired = False
            return deck, False
    base, number = f"own-{_slug(wanted)}", 1
    deck_id = base
    while session.get(Deck, deck_id) is not None:
        number += 1
        deck_id = f"{base}-{number}"
    deck = Deck(id=deck_id, name=wanted, description="", origin="own", retired=False)
    session.add(deck)
    return deck, True


def add_card(db: Database, deck_name: str, fields: Mapping[str, str | None]) -> AddedCard:
    """A new card (new: no due day) at the end of a deck of the learner's own."""
    cleaned = clean_fields(fields)
    with db.write_session() as session, session.begin():
        deck, created = _deck_for(session, deck_name)
        session.flush()
        count = session.scalar(select(func.count()).where(Card.deck_id == deck.id)) or 0
        number = count + 1
        while session.get(Card, f"{deck.id}-{number}") is not None:
            number += 1
        card = Card(
            id=f"{deck.id}-{number}",
            deck_id=deck.id,
            position=(session.scalar(select(func.max(Card.position))) or 0) + 1,
            template="basic",
        )
        put_fields(card, cleaned)
        session.add(card)
        return AddedCard(card.id, deck.id, created)


def remove_added_card(db: Database, added: AddedCard) -> None:
    """Take an added card back out (and the deck made for it); refused once it has a review."""
    with db.write_session() as session, session.begin():
        reviewed = session.scalar(
            select(func.count()).where(Review.kind == "card", Review.item_id == added.card_id)
        )
        if reviewed:
            raise CardProblem(f"{added.card_id} has been reviewed since it was added; suspend it")
        session.execute(delete(Card).where(Card.id == added.card_id))
        left = session.scalar(select(func.count()).where(Card.deck_id == added.deck_id))
        if added.deck_created and not left:
            session.execute(delete(Deck).where(Deck.id == added.deck_id))


def _card_and_deck(session: Session, card_id: str) -> tuple[Card, Deck]:
    card = session.get(Card, card_id)
    deck = session.get(Deck, card.deck_id) if card is not None else None
    if card is None or deck is None:
        raise LookupError(f"no card with id {card_id!r}")
    return card, deck


def card_text(db: Database, card_id: str) -> CardText:
    with db.session() as session:
        card, deck = _card_and_deck(session, card_id)
        overridden = session.get(CardOverride, card_id) is not None
        return CardText(
            card.id,
            deck.id,
            deck.name,
            deck.origin == "bundled",
            card.front,
            card.back,
            card.mnemonic,
            card.why,
            card.tags,
            overridden,
        )


def text_state(db: Database, card_id: str) -> TextState:
    with db.session() as session:
        card, _ = _card_and_deck(session, card_id)
        row = session.get(CardOverride, card_id)
        override = None if row is None else (row.fields, row.bundled, row.changed_at)
        return TextState(fields_of(card), override)


def put_text_state(db: Database, card_id: str, state: TextState) -> None:
    """Put back a card's text and override row exactly as `text_state` read them."""
    with db.write_session() as session, session.begin():
        card, _ = _card_and_deck(session, card_id)
        put_fields(card, state.fields)
        row = session.get(CardOverride, card_id)
        if state.override is None:
            if row is not None:
                session.delete(row)
            return
        if row is None:
            row = CardOverride(card_id=card_id)
            session.add(row)
        row.fields, row.bundled, row.changed_at = state.override


def edit_card(db: Database, card_id: str, fields: Mapping[str, str | None], now: datetime) -> bool:
    """Give a card new text, keeping its id, schedule and history; False when nothing
    changed. On a bundled card only the fields that differ from the bundled text are
    kept as the override; an edit back to the bundled text removes the override."""
    cleaned = clean_fields(fields)
    with db.write_session() as session, session.begin():
        card, deck = _card_and_deck(session, card_id)
        before = fields_of(card)  # with no override, a bundled card shows the bundled text
        if before == cleaned:
            return False
        put_fields(card, cleaned)
        if deck.origin != "bundled":
            return True
        row = session.get(CardOverride, card_id)
        bundled = decode(row.bundled) if row is not None else before
        changed = changed_fields(cleaned, bundled)
        if not changed:
            if row is not None:
                session.delete(row)
            return True
        if row is None:
            row = CardOverride(card_id=card_id)
            session.add(row)
        row.fields, row.bundled, row.changed_at = encode(changed), encode(bundled), now
        return True


def revert_card(db: Database, card_id: str) -> None:
    """Back to the bundled deck's current text; LookupError when the card has no override."""
    with db.write_session() as session, session.begin():
        card, _ = _card_and_deck(session, card_id)
        row = session.get(CardOverride, card_id)
        if row is None:
            raise LookupError(f"{card_id} is not edited: it already shows the bundled text")
        put_fields(card, decode(row.bundled))
        session.delete(row)
