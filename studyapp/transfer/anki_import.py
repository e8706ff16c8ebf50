"""Importing an Anki collection into the database: matching like Anki, in one transaction.

Notes match on their Anki GUID (`cards.anki_guid`), and a card exported from studyapp on its
own id, so importing again updates in place, never duplicates. An existing card takes the
package's text, deck and tags, and keeps its studyapp schedule and history when it has been
studied here, unless the learner asks for Anki's (`schedule="anki"`); a card new to studyapp
always takes Anki's schedule and suspension. A note moved to another deck in Anki simply
moves. A card of a bundled deck stays in it (its deck file owns its text and deck), and an
Anki deck whose name or id is a bundled deck's gets a distinct id and the visible name
"<name> (Anki)": imported decks are never merged into bundled ones, so the next start's
sync of the deck files never retires them. The Anki review log is appended, marked
imported, once: a row already in the log (same card and moment) is not added again.

Years of Anki history are a million answers: the log is streamed from the package a batch
at a time (transfer/anki_read.py), converted straight to stored rows with each day worked
out once per hour of the clock (anki_cards.review_rows), and written with the driver's own
executemany or COPY (store/bulk.py); browse's text index is rebuilt once at the end rather
than kept in step card by card (store/card_index.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, false, select, type_coerce
from sqlalchemy.orm import Session

from studyapp.decks.sync import id_batches
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import Database, totals
from studyapp.store.bulk import insert_rows
from studyapp.store.card_index import index_rebuilt_after
from studyapp.store.models import Card, Deck, Review
from studyapp.store.rows import day_value, ease_value
from studyapp.transfer.anki import STUDYAPP_DECK_PREFIX, deck_ids_for
from studyapp.transfer.anki_cards import (
    REVIEW_COLUMNS,
    CardHistory,
    ImportedCard,
    map_collection,
    review_rows,
    settle_states,
)
from studyapp.transfer.anki_read import AnkiCollection

SCHEDULES = ("keep", "anki")
CARD_BATCH = 5000
NEW_CARD_COLUMNS = (
    "id",
    "deck_id",
    "position",
    "front",
    "back",
    "mnemonic",
    "why",
    "tags",
    "source",
    "suspended",
    "retired",
    "easiness",
    "repetitions",
    "interval",
    "due",
    "lapses",
    "last_review",
    "note_id",
    "template",
    "ordinal",
    "anki_guid",
    "added",
)
"""The columns a card new to studyapp is written with (its FSRS state is derived later)."""
CLASH_SUFFIX = " (Anki)"
Progress = Callable[[int, int], None]
"""Called with (done, total) as the import goes."""


@dataclass
class AnkiImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    schedules_taken: int = 0  # cards whose schedule now is Anki's
    reviews: int = 0  # review-log rows added
    decks: list[tuple[str, str]] = field(default_factory=list)  # (id, name) written
    skipped: list[str] = field(default_factory=list)


def import_anki(
    db: Database,
    anki: AnkiCollection,
    source: Path,
    *,
    study_day: Callable[[datetime], date],
    schedule: str = "keep",
    progress: Progress | None = None,
) -> AnkiImportReport:
    """Bring every card, schedule and answer of `anki` into the database: all or nothing."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}")
    report = AnkiImportReport()
    with db.write_session() as session:
        with index_rebuilt_after(session.connection()) as index:
            known = _known_ids(session, [note.guid for note in anki.notes])
            mapped = map_collection(  # schedules settled once the log has been read
                anki, lambda guid: known.get(guid, {}), study_day, source.name, {}
            )
            report.skipped = mapped.skipped
            existing = _existing_cards(session, [card.id for card in mapped.cards])
            had_cards = set(existing)
            studied = _studied_here(session, list(existing))  # before the log grows
            logged = anki.review_count()
            total = logged + len(mapped.cards)
            histories: dict[int, CardHistory] = {}
            report.reviews = _add_reviews(
                session,
                anki,
                {card.anki_card_id: card.id for card in mapped.cards},
                (had_cards, histories),
                study_day,
                (progress, 0, total),
            )
            deck_of = _decks(session, mapped.cards, existing, source, report)
            next_position = max((card.position for card in existing.values()), default=0)
            next_position = max(next_position, _max_position(session)) + 1
            today = study_day(datetime.now(UTC))
            added: dict[str, tuple[Any, ...]] = {}  # new cards, written in bulk below
            cards = settle_states(anki, mapped.cards, histories)
            for done, imported in enumerate(cards, start=logged + 1):
                card = existing.get(imported.id)
                if card is not None:
                    take = schedule == "anki" or imported.id not in studied
                    changed = _differs(card, imported, deck_of[imported.id]) or (
                        take and _state_differs(card, imported)
                    )
                    report.updated += changed
                    report.unchanged += not changed
                    _write_card(card, imported, deck_of[imported.id], take)
                elif imported.id in added:  # a second Anki card of the same id updates it
                    first = added[imported.id]
                    row = _new_row(imported, deck_of[imported.id], first[2], first[-1], first)
                    changed = row != first
                    report.updated += changed
                    report.unchanged += not changed
                    added[imported.id] = row
                else:
                    added[imported.id] = _new_row(
                        imported, deck_of[imported.id], next_position, imported.added or today
                    )
                    next_position += 1
                    report.added += 1
                report.schedules_taken += card is None or take
                if progress is not None and done % 200 == 0:
                    progress(done, total)
            del mapped, histories, cards
            session.flush()
            rows = list(added.values())
            del added
            for start in range(0, len(rows), CARD_BATCH):
                insert_rows(
                    session.connection(),
                    "cards",
                    NEW_CARD_COLUMNS,
                    rows[start : start + CARD_BATCH],
                )
            del rows
            index.rebuild()
            totals.rebuild(session.connection())
        session.commit()
    if progress is not None:
        progress(total, total)
    return report


def _known_ids(
    session: Session, guids: Sequence[str]
) -> dict[str, dict[tuple[str, int | None], str]]:
    """guid -> {(template, ordinal): card id} for cards already matched to Anki notes."""
    known: dict[str, dict[tuple[str, int | None], str]] = {}
    for batch in id_batches(list(dict.fromkeys(guids))):
        rows = session.execute(
            select(Card.anki_guid, Card.template, Card.ordinal, Card.id).where(
                Card.anki_guid.in_(batch)
            )
        )
        for guid, template, ordinal, card_id in rows:
            known.setdefault(str(guid), {})[(template, ordinal)] = card_id
    return known


def _existing_cards(session: Session, ids: Sequence[str]) -> dict[str, Card]:
    return {
        card.id: card
        for batch in id_batches(list(dict.fromkeys(ids)))
        for card in session.scalars(select(Card).where(Card.id.in_(batch)))
    }


def _max_position(session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.max(Card.position))) or 0)


def _studied_here(session: Session, ids: Sequence[str]) -> set[str]:
    """The cards graded in studyapp itself (a logged grade that did not come from Anki).
    One pass over the log, not one per batch of ids: the log has no index by card."""
    wanted = set(ids)
    if not wanted:
        return set()
    graded = session.scalars(
        select(Review.item_id).where(Review.kind == "card", Review.imported == false()).distinct()
    )
    return {item for item in graded if item in wanted}


def _decks(
    session: Session,
    cards: list[ImportedCard],
    existing: dict[str, Card],
    source: Path,
    report: AnkiImportReport,
) -> dict[str, str]:
    """Card id -> the deck it goes to, creating or renaming imported decks as needed."""
    all_decks = {deck.id: deck for deck in session.scalars(select(Deck))}
    bundled_ids = {i for i, deck in all_decks.items() if deck.origin == "bundled"}
    bundled_names = {
        deck.name.casefold() for deck in all_decks.values() if deck.origin == "bundled"
    }
    names = sorted({card.deck for card in cards})
    ids = deck_ids_for(names)
    target: dict[str, tuple[str, str]] = {}  # Anki deck name -> (id, shown name)
    for name in names:
        deck_id, shown = ids[name], name.removeprefix(STUDYAPP_DECK_PREFIX)
        if deck_id in bundled_ids or shown.casefold() in bundled_names:
            if deck_id in bundled_ids:
                shown = all_decks[deck_id].name
            deck_id, shown = f"{deck_id}-anki", f"{shown}{CLASH_SUFFIX}"
        target[name] = (deck_id, shown)
    deck_of: dict[str, str] = {}
    used: set[str] = set()
    for card in cards:
        stored = existing.get(card.id)
        if stored is not None and stored.deck_id in bundled_ids:
            deck_of[card.id] = stored.deck_id  # its deck file owns it
            continue
        deck_of[card.id] = target[card.deck][0]
        used.add(card.deck)
    for name in sorted(used):
        deck_id, shown = target[name]
        deck = all_decks.get(deck_id)
        if deck is None:
            deck = Deck(id=deck_id, name=shown, origin="import")
            session.add(deck)
        deck.name, deck.description = shown, f"Imported from Anki ({source.name})"
        deck.origin, deck.source_path, deck.retired = "import", str(source), False
        report.decks.append((deck_id, shown))
    session.flush()
    return deck_of


def _differs(card: Card, imported: ImportedCard, deck_id: str) -> bool:
    return (
        card.front != imported.front
        or card.back != imported.back
        or card.tags != " ".join(imported.tags)
        or card.deck_id != deck_id
        or card.retired
    )


def _state_differs(card: Card, imported: ImportedCard) -> bool:
    state = imported.state
    return card.suspended != imported.suspended or (
        card.easiness,
        card.repetitions,
        card.interval,
        card.due,
        card.lapses,
        card.last_review,
    ) != (
        state.easiness,
        state.repetitions,
        state.interval,
        state.due,
        state.lapses,
        state.last_review,
    )


def _write_card(card: Card, imported: ImportedCard, deck_id: str, take: bool) -> None:
    card.deck_id, card.front, card.back = deck_id, imported.front, imported.back
    card.tags, card.retired = " ".join(imported.tags), False
    card.note_id, card.template, card.ordinal = (
        imported.note_id,
        imported.template,
        imported.ordinal,
    )
    card.anki_guid = imported.guid
    if imported.mnemonic is not None or imported.why is not None:
        card.mnemonic, card.why = imported.mnemonic, imported.why
    card.source = imported.source
    if take:
        _set_state(card, imported.state)
        card.suspended = imported.suspended


def _new_row(
    imported: ImportedCard,
    deck_id: str,
    position: int,
    added: date | int,
    before: tuple[Any, ...] | None = None,
) -> tuple[Any, ...]:
    """A card new to studyapp as a stored row (NEW_CARD_COLUMNS): what `_write_card`
    gives a new card through the ORM, without the ORM's cost per card. `before`: the row
    of an earlier Anki card with the same id, whose mnemonic and why it keeps unless this
    one has its own (and whose position and day added, an ordinal, it takes)."""
    state = imported.state
    mnemonic, why = imported.mnemonic, imported.why
    if before is not None and mnemonic is None and why is None:
        mnemonic, why = before[5], before[6]
    return (
        imported.id,
        deck_id,
        position,
        imported.front,
        imported.back,
        mnemonic,
        why,
        " ".join(imported.tags),
        imported.source,
        imported.suspended,
        False,
        ease_value(state.easiness),
        state.repetitions,
        state.interval,
        day_value(state.due),
        state.lapses,
        day_value(state.last_review),
        imported.note_id,
        imported.template,
        imported.ordinal,
        imported.guid,
        added if isinstance(added, int) else day_value(added),
    )


def _set_state(card: Card, state: Sm2State) -> None:
    card.easiness, card.repetitions, card.interval = (
        state.easiness,
        state.repetitions,
        state.interval,
    )
    card.due, card.lapses, card.last_review = state.due, state.lapses, state.last_review


def _add_reviews(
    session: Session,
    anki: AnkiCollection,
    card_ids: dict[int, str],
    cards: tuple[set[str], dict[int, CardHistory]],
    study_day: Callable[[datetime], date],
    told: tuple[Progress | None, int, int],
) -> int:
    """Append the answers not already in the log (same card, same moment to the ms), a
    streamed batch at a time. Only a card studyapp had before can have them logged.
    `cards`: the ids studyapp had before, and the histories to fill in the same pass;
    `told`: the progress callback, the steps done before the log and the steps in all."""
    had_cards, histories = cards
    progress, done, total = told
    connection = session.connection()
    logged = _logged(session, had_cards & set(card_ids.values()))
    added = 0
    for batch in review_rows(anki, card_ids, study_day, histories):
        done += len(batch)
        if logged:
            batch = [row for row in batch if row[2] not in logged.get(row[1], ())]
            for row in batch:
                logged.setdefault(row[1], set()).add(row[2])
        insert_rows(connection, "reviews", REVIEW_COLUMNS, batch)
        added += len(batch)
        if progress is not None:
            progress(done, total)
    return added


def _logged(session: Session, ids: set[str]) -> dict[str, set[int]]:
    """Card id -> the moments (epoch ms) of its logged answers, for the cards in `ids`:
    one pass over the log (it has no index by card), as stored."""
    logged: dict[str, set[int]] = {}
    if not ids:
        return logged
    moment = type_coerce(Review.__table__.c.reviewed_at, BigInteger)  # as stored: ms
    table = Review.__table__
    rows = session.connection().execute(  # streamed, for this statement only
        select(table.c.item_id, moment).where(table.c.kind == "card"),
        execution_options={"yield_per": 20_000},
    )
    for item, ms in rows:
        if item in ids:
            logged.setdefault(item, set()).add(int(ms))
    return logged
