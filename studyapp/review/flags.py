"""Flags: the learner marks a card as wrong or unclear, with a note, for whoever keeps
the decks (`studyapp flags`). One open flag per card; flagging again replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from studyapp.store import Database
from studyapp.store.models import Card, CardFlag, Deck

FLAG_KINDS = ("wrong", "unclear")


@dataclass(frozen=True)
class Flag:
    card_id: str
    kind: str
    note: str
    flagged_at: datetime


@dataclass(frozen=True)
class FlagRow:
    """One flagged card as `studyapp flags` lists it (and the backup will carry it)."""

    card_id: str
    deck_id: str
    deck_name: str
    front: str
    kind: str
    note: str
    flagged_at: datetime


def flag_of(db: Database, card_id: str) -> Flag | None:
    with db.session() as session:
        row = session.get(CardFlag, card_id)
        return None if row is None else Flag(row.card_id, row.kind, row.note, row.flagged_at)


def put_flag(db: Database, card_id: str, flag: Flag | None) -> None:
    """Flag the card as `flag` says, or take its flag away (None): also the exact undo."""
    if flag is not None and flag.kind not in FLAG_KINDS:
        raise ValueError(f"a flag is one of {', '.join(FLAG_KINDS)}, not {flag.kind!r}")
    with db.write_session() as session, session.begin():
        if session.get(Card, card_id) is None:
            raise LookupError(f"no card with id {card_id!r}")
        row = session.get(CardFlag, card_id)
        if flag is None:
            if row is not None:
                session.delete(row)
            return
        if row is None:
            row = CardFlag(card_id=card_id)
            session.add(row)
        row.kind, row.note, row.flagged_at = flag.kind, flag.note.strip(), flag.flagged_at


def flagged_ids(db: Database) -> dict[str, str]:
    """Card id -> flag kind, for browse's marker and its `flag:` filter."""
    with db.session() as session:
        return {r[0]: r[1] for r in session.execute(select(CardFlag.card_id, CardFlag.kind))}


def flag_rows(db: Database) -> list[FlagRow]:
    """Every flagged card with its deck, oldest flag first."""
    query = (
        select(CardFlag, Card.deck_id, Deck.name, Card.front)
        .join(Card, Card.id == CardFlag.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .order_by(CardFlag.flagged_at, CardFlag.card_id)
    )
    with db.session() as session:
        return [
            FlagRow(flag.card_id, deck_id, name, front, flag.kind, flag.note, flag.flagged_at)
            for flag, deck_id, name, front in session.execute(query)
        ]
