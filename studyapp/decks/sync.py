"""Bringing deck files and drill topics into the database, by stable id.

A card's id is its identity: editing its text keeps its history, a card that leaves its
file is retired (hidden, history kept), and one that comes back is revived. Bundled deck
files whose bytes have not changed since the last start are not even parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from studyapp.decks.format import DeckError, DeckSpec, parse_deck
from studyapp.decks.freshness import SyncReport, deck_files, file_digest
from studyapp.decks.overrides import encode, lay_over, overrides_for
from studyapp.store import Database
from studyapp.store.models import Card, Deck, DrillTopic


def sync_bundled_decks(db: Database, folder: Path, today: date | None = None) -> SyncReport:
    """Sync every `*.toml` in `folder`; unchanged files (same digest as last time) are skipped.
    New cards are marked added on `today` (the study day; default the calendar day)."""
    report = SyncReport()
    files = deck_files(folder)
    with db.write_session() as session:
        known = {
            deck.source_path: deck
            for deck in session.scalars(select(Deck).where(Deck.origin == "bundled"))
        }
        present = {path.name for path in files}
        changed: list[DeckSpec] = []
        for path in files:
            deck = known.get(path.name)
            try:
                digest = file_digest(path)
            except OSError as error:
                report.errors.append(DeckError(path, None, f"cannot be read: {error}"))
                continue
            if deck is not None and deck.digest == digest and not deck.retired:
                continue
            try:
                changed.append(parse_deck(path))
            except DeckError as error:
                report.errors.append(error)
        moving = {spec.id for spec in changed}  # cards may move freely between these decks
        claimed: dict[str, Path] = {}
        for spec in changed:
            twice = next((c for c in spec.cards if c.id in claimed), None)
            if twice is not None:
                reason = f"card id {twice.id!r} is also used in {claimed[twice.id].name}"
                report.errors.append(DeckError(spec.path, twice.line, reason))
                continue
            claimed.update((card.id, spec.path) for card in spec.cards)
            write_deck(session, spec, "bundled", spec.path.name, report, moving=moving, today=today)
        for name, deck in known.items():
            if name not in present and not deck.retired:
                deck.retired = True
                report.retired += _retire_cards(session, deck.id, keep=())
        session.commit()
    return report


def write_deck(
    session: Session,
    spec: DeckSpec,
    origin: str,
    source_path: str,
    report: SyncReport,
    retire_missing: bool = True,
    moving: set[str] | None = None,
    card_written: Callable[[int], None] | None = None,
    today: date | None = None,
) -> None:
    clash = _foreign_ids(session, spec, moving or set())
    if clash:
        card_id, other = clash
        line = next((c.line for c in spec.cards if c.id == card_id), None)
        report.errors.append(
            DeckError(spec.path, line, f"card id {card_id!r} is already used by deck {other!r}")
        )
        return
    deck = session.get(Deck, spec.id)
    if deck is None:
        deck = Deck(id=spec.id, name=spec.name, origin=origin)
        session.add(deck)
    deck.name, deck.description = spec.name, spec.description
    deck.origin, deck.source_path, deck.digest, deck.retired = (
        origin,
        source_path,
        spec.digest,
        False,
    )
    existing = {
        card.id: card
        for ids in id_batches(spec_ids(spec))
        for card in session.scalars(select(Card).where(Card.id.in_(ids)))
    }
    # The learner's versions of bundled cards stay over the new bundled text (overrides.py)
    overrides = (
        {
            i: o
            for ids in id_batches(spec_ids(spec))
            for i, o in overrides_for(session, list(ids)).items()
        }
        if origin == "bundled"
        else {}
    )
    next_position = (session.scalar(select(func.max(Card.position))) or 0) + 1
    for card_spec in spec.cards:
        card = existing.get(card_spec.id)
        override = overrides.get(card_spec.id)
        bundled = {
            "front": card_spec.front,
            "back": card_spec.back,
            "mnemonic": card_spec.mnemonic,
            "why": card_spec.why,
            "tags": " ".join(card_spec.tags),
        }
        if card is None:
            card = Card(
                id=card_spec.id,
                deck_id=spec.id,
                position=next_position,
                added=today or date.today(),
            )
            next_position += 1
            session.add(card)
            report.added += 1
        elif override is not None:
            if override.bundled != encode(bundled) or card.retired or card.deck_id != spec.id:
                report.updated += 1
        elif _differs(card, card_spec, spec.id):
            report.updated += 1
        card.deck_id = spec.id
        card.front, card.back = card_spec.front, card_spec.back
        card.mnemonic, card.why, card.source = card_spec.mnemonic, card_spec.why, card_spec.source
        card.tags = " ".join(card_spec.tags)
        card.note_id, card.template = card_spec.note_id, card_spec.template
        card.ordinal = card_spec.ordinal
        card.retired = False
        if override is not None:
            lay_over(card, override, bundled, None)
        if card_written is not None:  # a long import's progress bar
            card_written(1)
    session.flush()
    if retire_missing:
        report.retired += _retire_cards(session, spec.id, keep=spec_ids(spec))
    report.decks_written.append(spec.id)


def spec_ids(spec: DeckSpec) -> list[str]:
    return [card.id for card in spec.cards]


ID_BATCH = 500
"""Ids per `IN (...)`: a statement binding one variable per card would pass SQLite's
limit (999 in older builds, 32,766 in python.org's) on a large import."""


def id_batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    """`ids` in slices of ID_BATCH, so that no statement grows with the number of cards."""
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def _differs(card: Card, spec: object, deck_id: str) -> bool:
    fields = ("front", "back", "mnemonic", "why", "source", "note_id", "template", "ordinal")
    tags = " ".join(getattr(spec, "tags", ()))
    return (
        any(getattr(card, name) != getattr(spec, name) for name in fields)
        or card.tags != tags
        or card.deck_id != deck_id
        or card.retired
    )


def _foreign_ids(session: Session, spec: DeckSpec, moving: set[str]) -> tuple[str, str] | None:
    """A card id of this deck that an active *other* deck (not being rewritten) still owns."""
    for ids in id_batches(spec_ids(spec)):
        row = session.execute(
            select(Card.id, Card.deck_id)
            .join(Deck, Deck.id == Card.deck_id)
            .where(Card.id.in_(ids), Card.deck_id.not_in([spec.id, *moving]))
            .where(Card.retired == false(), Deck.retired == false())
        ).first()
        if row is not None:
            return row[0], row[1]
    return None


def _retire_cards(session: Session, deck_id: str, keep: Iterable[str]) -> int:
    """Retire the deck's active cards whose ids are not in `keep`; returns how many.
    The ids to retire are found here rather than with a `NOT IN` of every kept id."""
    active = Card.deck_id == deck_id, Card.retired == false()
    kept = set(keep)
    if not kept:
        result = session.execute(update(Card).where(*active).values(retired=True))
        return int(getattr(result, "rowcount", 0) or 0)
    leaving = [i for i in session.scalars(select(Card.id).where(*active)) if i not in kept]
    for ids in id_batches(leaving):
        session.execute(update(Card).where(Card.id.in_(ids)).values(retired=True))
    return len(leaving)


def sync_topics(db: Database, topics: Iterable[tuple[str, str]]) -> int:
    """Make sure every drill topic (id, title) has a schedule row; returns how many were added."""
    wanted = dict(topics)
    with db.write_session() as session:
        have = dict(session.execute(select(DrillTopic.id, DrillTopic.title)).all())
        added = 0
        for topic_id, title in wanted.items():
            if topic_id not in have:
                session.add(DrillTopic(id=topic_id, title=title))
                added += 1
            elif have[topic_id] != title:
                session.execute(
                    update(DrillTopic).where(DrillTopic.id == topic_id).values(title=title)
                )
        session.commit()
    return added
