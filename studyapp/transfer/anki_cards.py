"""An Anki collection as studyapp cards and review-log rows: one pure mapping, no database.

Cards. Every Anki card becomes one studyapp card; siblings of one note share a note id:

    note X, standard type, card 1        id X        template basic   front = 1st field
    note X, 2-template type, card 2      id X~rev    template reverse front = 2nd field
    note X, standard type, card n > 2    id X~t<n>   template basic   (a custom type)
    note X, cloze type, card of {{cN::}} id X~cN     template cloze   front = the raw text

X is the card id studyapp gave that note before (a card exported from here comes home to its
own id), else `anki-` and a hash of the note's GUID. The back is the other of the first two
fields, then every further non-empty field as `Name: text`, so nothing is dropped; an image
shows as `[image: chat.png]`, a sound as `[audio: x.mp3]`.

Schedule (Anki's card columns -> SM-2):

    new (type 0)                 new: no due date
    review (type 2)              interval = ivl, EF = factor / 1000 (at least 1.3),
                                 due = creation day + due, lapses = lapses,
                                 n = the passing answers in a row at the end of its log
                                 (without a log: 1, 2 or 3 by interval, as SM-2 reaches it)
    learning (type 1)            n = 0, interval 0, due on its next step's day: a card
                                 answered but not yet graduated, as after a first grade
    relearning (type 3)          n = 0, interval 1, due on its next step's day, lapses kept:
                                 a lapsed card, as after SM-2's failing grade
    suspended (queue -1)         suspended; buried (-2, -3) is active (burying is for a day)

Review log: each revlog row with a grade (not Anki's manual reschedules, ease 0) becomes
a review with quality Again 1, Hard 3, Good 4, Easy 5, marked imported, with the state
before and after it rebuilt from the rows of its card in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from studyapp.decks.cloze import cloze_numbers
from studyapp.schedulers.sm2 import MIN_EASINESS, Sm2State
from studyapp.transfer.anki import OWN_CLOZE_FIELDS, OWN_FIELDS, STUDYAPP_GUID_NAMESPACE
from studyapp.transfer.anki_fields import field_text as anki_field_text
from studyapp.transfer.anki_read import (
    AnkiCard,
    AnkiCollection,
    AnkiNote,
    NoteType,
    cached_days,
)

QUALITY = {1: 1, 2: 3, 3: 4, 4: 5}
"""Anki's answer buttons as SM-2 grades: Again, Hard, Good, Easy."""


@dataclass(frozen=True, slots=True)
class ImportedCard:
    """One studyapp card made from one Anki card."""

    id: str
    guid: str
    note_id: str | None
    template: str  # basic | reverse | cloze
    ordinal: int | None
    deck: str  # the Anki deck's full name, Parent::Child
    front: str
    back: str
    tags: tuple[str, ...]
    suspended: bool
    state: Sm2State
    anki_card_id: int
    mnemonic: str | None = None
    why: str | None = None
    source: str | None = None
    added: date | None = None
    """The study day the Anki note was created (its id is that moment in milliseconds)."""


@dataclass(slots=True)
class CardHistory:
    """What a card's schedule needs of its log, gathered as the log streams past: the
    moment of its last answer and SM-2's streak (see `_streak_step`)."""

    last_ms: int
    streak: int = 0
    counted_day: date | None = None


@dataclass
class ImportedCollection:
    cards: list[ImportedCard] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per card left out, and why


REVIEW_COLUMNS = (
    "kind",
    "item_id",
    "reviewed_at",
    "day",
    "quality",
    "duration_ms",
    "repeat",
    "prev_easiness",
    "prev_repetitions",
    "prev_interval",
    "prev_due",
    "prev_lapses",
    "prev_last_review",
    "easiness",
    "repetitions",
    "interval",
    "due",
    "lapses",
    "imported",
)
"""The review-log columns an imported answer fills, in the order of `review_rows`' rows."""

_NEW = (250, 0, 0, None, 0, None)
"""Sm2State() as stored: easiness in hundredths, then n, I, due and last review ordinals."""


def field_text(value: str) -> str:
    """A field's HTML as text, with images and sounds as visible markers."""
    return anki_field_text(value, as_html=True)


def map_collection(
    anki: AnkiCollection,
    known_ids: Callable[[str], dict[tuple[str, int | None], str]],
    study_day: Callable[[datetime], date],
    source: str,
    histories: dict[int, CardHistory],
) -> ImportedCollection:
    """Every card and answer of `anki`. `known_ids(guid)` gives the ids of cards studyapp
    already has for that note, by (template, ordinal); `study_day` turns a moment into
    studyapp's study day; `histories` is `card_histories(anki)`, read beforehand, or the
    one `review_rows` fills as it goes, the states then settled by `settle_states`."""
    out = ImportedCollection()
    notes = {note.id: note for note in anki.notes}
    for card in anki.cards:
        note = notes.get(card.note_id)
        if note is None:
            out.skipped.append(f"Anki card {card.id}: its note is missing")
            continue
        note_type = anki.note_types.get(note.type_id, NoteType("", (), 1, False))
        made = _card(anki, note, note_type, card, known_ids(note.guid), histories.get(card.id))
        if isinstance(made, str):
            out.skipped.append(f"note {note.guid!r} card {card.ord + 1}: {made}")
            continue
        made = replace(made, source=made.source or source, added=_created(note, study_day))
        out.cards.append(made)
    return out


def base_id(note: AnkiNote, note_type: NoteType) -> tuple[str, dict[str, str | None]]:
    """The note's id, and the extra fields of a note exported from studyapp: a basic card's
    id, or the note id of a reversed pair or a cloze (its cards are `id~rev`, `id~cN`)."""
    names = list(note_type.fields)
    if names in (OWN_FIELDS, OWN_CLOZE_FIELDS) and len(note.fields) == len(names):
        own = dict(zip(names, note.fields, strict=True))
        from studyapp.decks.format import valid_id

        if valid_id(own["Id"]) and note.guid == _genanki_guid(own["Id"]):
            return own["Id"], {
                "mnemonic": field_text(own["Mnemonic"]) or None,
                "why": field_text(own["Why"]) or None,
                "source": field_text(own["Source"]) or None,
            }
    return f"anki-{hashlib.sha1(note.guid.encode()).hexdigest()[:16]}", {}


def _genanki_guid(card_id: str) -> str:
    import genanki

    return str(genanki.guid_for(STUDYAPP_GUID_NAMESPACE, card_id))


def _card(
    anki: AnkiCollection,
    note: AnkiNote,
    note_type: NoteType,
    card: AnkiCard,
    known: dict[tuple[str, int | None], str],
    history: CardHistory | None,
) -> ImportedCard | str:
    base, own = base_id(note, note_type)
    texts = [field_text(value) for value in note.fields]
    names = [
        *note_type.fields,
        *(f"Field {i + 1}" for i in range(len(note_type.fields), len(texts))),
    ]
    ordinal: int | None = None
    note_id: str | None = base  # siblings share it; a one-card note is its own note
    if note_type.cloze:
        ordinal = card.ord + 1
        raw = texts[0] if texts else ""  # the markup survives: braces are not HTML
        if ordinal not in cloze_numbers(raw):
            return f"its text has no cloze {ordinal}"
        template, card_id = "cloze", f"{base}~c{ordinal}"
        front, rest = raw, list(range(1, len(texts)))
    elif card.ord == 1 and note_type.templates == 2:
        template, card_id = "reverse", f"{base}~rev"
        front = texts[1] if len(texts) > 1 else ""
        rest = [0, *range(2, len(texts))]
    else:
        template, note_id = "basic", note_id if note_type.templates > 1 else None
        card_id = base if card.ord == 0 else f"{base}~t{card.ord + 1}"
        front, rest = (texts[0] if texts else ""), list(range(1, len(texts)))
    if own:  # a studyapp note: mnemonic, why, source and id have their own columns
        rest = rest[:1]
    if not front:
        return "its front is empty"
    back = _back(texts, names, rest)
    card_id = known.get((template, ordinal), card_id)
    return ImportedCard(
        id=card_id,
        guid=note.guid,
        note_id=note_id,
        template=template,
        ordinal=ordinal,
        deck=anki.decks.get(card.deck_id, "Default"),
        front=front,
        back=back,
        tags=note.tags,
        suspended=card.queue == -1,
        state=card_state(anki, card, history),
        anki_card_id=card.id,
        mnemonic=own.get("mnemonic"),
        why=own.get("why"),
        source=own.get("source"),
    )


EARLIEST_NOTE_ID = 10**12
"""Anki's note ids are creation times in epoch milliseconds (10**12 is September 2001); a
smaller id was not made that way and says nothing about when the note was added."""


def _created(note: AnkiNote, study_day: Callable[[datetime], date]) -> date | None:
    """The study day `note` was created, read off its id (None: the id is no timestamp)."""
    if note.id < EARLIEST_NOTE_ID:
        return None
    try:
        return study_day(datetime.fromtimestamp(note.id / 1000, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _back(texts: list[str], names: list[str], rest: list[int]) -> str:
    """The answer field first, as it is; then each further non-empty field, named."""
    parts: list[str] = []
    for position, index in enumerate(rest):
        if index >= len(texts) or not texts[index]:
            continue
        parts.append(texts[index] if position == 0 else f"{names[index]}: {texts[index]}")
    return "\n\n".join(parts)


def _easiness(factor: int) -> float:
    return max(MIN_EASINESS, round(factor / 1000, 2)) if factor > 0 else 2.5


def card_state(anki: AnkiCollection, card: AnkiCard, history: CardHistory | None) -> Sm2State:
    """The card's Anki schedule as the nearest SM-2 state (module docstring)."""
    if card.type == 0:
        return Sm2State()
    last = anki.day_of(history.last_ms) if history is not None else None
    easiness = _easiness(card.factor)
    if card.type == 2:
        due = anki.created + timedelta(days=card.due)
        streak = history.streak if history is not None else 0
        if not streak:
            streak = 1 if card.ivl < 6 else 2 if card.ivl < 15 else 3
        return Sm2State(
            easiness=easiness,
            repetitions=streak,
            interval=max(card.ivl, 1),
            due=due,
            lapses=card.lapses,
            last_review=last or due - timedelta(days=max(card.ivl, 1)),
        )
    # learning (1) or relearning (3): due is a moment (queue 1) or a day number (queue 3)
    if card.queue == 3 or (card.queue != 1 and card.due < 10**8):
        due = anki.created + timedelta(days=card.due)
    else:
        due = anki.day_of(card.due * 1000)
    return Sm2State(
        easiness=easiness,
        repetitions=0,
        interval=1 if card.type == 3 else 0,
        due=due,
        lapses=card.lapses,
        last_review=last,
    )


def card_histories(anki: AnkiCollection) -> dict[int, CardHistory]:
    """Every logged card's history summary, read in one pass over the streamed log."""
    rollover = timedelta(hours=anki.rollover)
    day_of = cached_days(lambda local: (local - rollover).date())
    histories: dict[int, CardHistory] = {}
    for batch in anki.review_batches():
        for moment, card, ease, ivl, *_rest in batch:
            history = histories.get(card)
            if history is None:
                history = histories[card] = CardHistory(moment)
            history.last_ms = moment
            _streak_step(history, ease, ivl, moment, day_of)
    return histories


def _streak_step(
    history: CardHistory, ease: int, ivl: int, moment: int, day_of: Callable[[int], date]
) -> None:
    """One answer's part in the passing answers in a row at the end of the log (SM-2's
    n), one a study day at most: a second pass on the same day is practice, as in SM-2,
    not another repetition. A manual reschedule (ease 0) counts for nothing."""
    if ease == 0:
        return
    if ease == 1:
        history.streak, history.counted_day = 0, None
    elif ivl > 0:  # a review or graduation
        day = day_of(moment)
        if day != history.counted_day:
            history.streak, history.counted_day = history.streak + 1, day


def settle_states(
    anki: AnkiCollection, cards: list[ImportedCard], histories: dict[int, CardHistory]
) -> Iterator[ImportedCard]:
    """`cards` mapped before their log was read, each with the schedule its history gives:
    one at a time, so that only the caller keeps what it needs of them."""
    by_id = {card.id: card for card in anki.cards}
    for card in cards:
        anki_card = by_id[card.anki_card_id]
        yield replace(card, state=card_state(anki, anki_card, histories.get(anki_card.id)))


def review_rows(
    anki: AnkiCollection,
    card_ids: dict[int, str],
    study_day: Callable[[datetime], date],
    histories: dict[int, CardHistory] | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """The log's graded answers of the cards in `card_ids` (Anki card id -> studyapp id),
    as stored review rows (REVIEW_COLUMNS), one batch of the streamed log at a time, in
    answer order. Each row holds the SM-2 state before and after it, rebuilt from the
    card's earlier answers: memory holds one state per card, not the log. `histories`,
    when given, is filled for those cards in the same pass (see `card_histories`)."""
    day_of = cached_days(study_day)
    rollover = timedelta(hours=anki.rollover)
    anki_day = cached_days(lambda local: (local - rollover).date())
    hundredths: dict[int, int] = {}
    states: dict[int, tuple[Any, ...]] = {}
    for batch in anki.review_batches():
        rows: list[tuple[Any, ...]] = []
        for moment, card, ease, ivl, factor, taken, kind in batch:
            card_id = card_ids.get(card)
            if card_id is None:
                continue
            if histories is not None:
                history = histories.get(card)
                if history is None:
                    history = histories[card] = CardHistory(moment)
                history.last_ms = moment
                _streak_step(history, ease, ivl, moment, anki_day)
            if ease not in QUALITY:
                continue
            before = states.get(card, _NEW)
            easiness, repetitions, _interval, _due, lapses, last_day = before
            day = day_of(moment).toordinal()
            failed = ease == 1
            interval = ivl if ivl > 0 else 0
            if factor:
                easiness = hundredths.get(factor)
                if easiness is None:
                    easiness = hundredths[factor] = round(_easiness(factor) * 100)
            after = (
                easiness,
                0 if failed else repetitions + (1 if interval else 0),
                interval,
                day + interval,
                lapses + (1 if failed and kind == 1 else 0),
                day,
            )
            rows.append(
                (
                    *("card", card_id, moment, day, QUALITY[ease], taken, day == last_day),
                    *before,
                    *after[:5],
                    True,
                )
            )
            states[card] = after
        yield rows
