"""Reading an Anki collection out of a package (.apkg or .colpkg), schedule and log included.

A package is a zip holding one SQLite collection: `collection.anki2` (Anki 2.0),
`collection.anki21` (2.1's "support older Anki versions"), or, by default since Anki 2.1.50,
`collection.anki21b`, the same SQLite file compressed with zstd (with a stub collection.anki2
beside it that only says "please update"). Older collections keep note types, decks and
settings as JSON in the `col` row; newer ones in tables of their own (`notetypes`, `fields`,
`templates`, `decks`, `config`), with the rest in protobuf blobs of which only the note
type's kind (standard or cloze) is read here.

Everything is read with the bounds of transfer/anki.py (plain tables only, a step budget per
byte), so a hostile file is refused rather than read forever.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from studyapp.transfer.anki import (
    MIN_STEPS,
    STEP_GRAIN,
    STEPS_PER_BYTE,
    PackageError,
    _id,
    _json,
    _plain_tables,
    collection_bytes,
)

CLOZE_KIND = 1
DEFAULT_ROLLOVER = 4


@dataclass(frozen=True)
class NoteType:
    """What the importer needs of a note type: its field names, card templates and kind."""

    name: str
    fields: tuple[str, ...]
    templates: int
    cloze: bool


@dataclass(frozen=True)
class AnkiNote:
    id: int
    guid: str
    type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class AnkiCard:
    """One card row, with a card in a filtered deck put back in its home deck and due."""

    id: int
    note_id: int
    ord: int
    deck_id: int
    type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int  # -3/-2 buried, -1 suspended, 0 new, 1 learning, 2 review, 3 day learning
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int


@dataclass(frozen=True)
class AnkiReview:
    """One row of the review log (`revlog`)."""

    id: int  # the moment of the answer, in ms since the epoch
    card_id: int
    ease: int  # 1 Again, 2 Hard, 3 Good, 4 Easy; 0 for a manual reschedule
    ivl: int  # days if positive, seconds (learning) if negative
    factor: int
    time_ms: int
    type: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled


@dataclass(frozen=True)
class AnkiCollection:
    created: date
    """The collection's creation day: review cards' `due` counts days from it."""
    rollover: int
    decks: dict[int, str]
    note_types: dict[int, NoteType]
    notes: list[AnkiNote]
    cards: list[AnkiCard]
    reviews: list[AnkiReview]
    package_bytes: bytes

    def day_of(self, moment_ms: int) -> date:
        """The Anki study day of a moment (local time, days starting at the rollover)."""
        local = datetime.fromtimestamp(moment_ms / 1000).astimezone()
        return (local - timedelta(hours=self.rollover)).date()


def read_collection(path: Path) -> AnkiCollection:
    """The collection inside the package at `path`; PackageError for anything unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PackageError(path, f"cannot read file: {error.strerror or error}") from None
    raw = collection_bytes(path)
    with tempfile.TemporaryDirectory(prefix="studyapp-apkg-") as folder:
        target = Path(folder) / "collection.sqlite"
        target.write_bytes(raw)
        try:
            collection = _read(target, data)
        except (sqlite3.DatabaseError, ValueError, TypeError, AttributeError, KeyError) as error:
            raise PackageError(path, f"the collection inside cannot be read: {error}") from None
    if not collection.notes:
        raise PackageError(path, "the package holds no notes")
    return collection


def _read(collection: Path, package_bytes: bytes) -> AnkiCollection:
    size = collection.stat().st_size
    connection = sqlite3.connect(f"file:{collection}?mode=ro", uri=True)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(size, 2**20))
    steps_left = [max(MIN_STEPS, STEPS_PER_BYTE * size) // STEP_GRAIN]

    def step() -> bool:
        steps_left[0] -= 1
        return steps_left[0] < 0

    connection.set_progress_handler(step, STEP_GRAIN)
    try:
        tables = _plain_tables(connection)
        newer = "notetypes" in tables
        needed = ("notes", "cards", "col", *(("fields", "templates", "decks") if newer else ()))
        for table in needed:
            if table not in tables:
                raise ValueError(f"its `{table}` is missing or not a plain table")
        crt, settings = _col_row(connection, newer, tables)
        rollover = _rollover(connection, newer, tables, settings)
        created = (datetime.fromtimestamp(crt).astimezone() - timedelta(hours=rollover)).date()
        return AnkiCollection(
            created=created,
            rollover=rollover,
            decks=_decks(connection, newer),
            note_types=_note_types(connection, newer),
            notes=_notes(connection),
            cards=_cards(connection),
            reviews=_reviews(connection) if "revlog" in tables else [],
            package_bytes=package_bytes,
        )
    except sqlite3.OperationalError:
        if steps_left[0] < 0:
            raise ValueError(
                "reading it takes far more work than a collection of its size needs"
            ) from None
        raise
    finally:
        connection.close()


def _col_row(
    connection: sqlite3.Connection, newer: bool, tables: set[str]
) -> tuple[int, dict[str, Any]]:
    """The creation time (seconds) and, in an older collection, its settings JSON."""
    if newer:
        row = connection.execute("SELECT crt FROM col").fetchone()
        return (_id(row[0], "creation time") if row else 0), {}
    row = connection.execute("SELECT crt, conf FROM col").fetchone()
    if row is None:
        return 0, {}
    settings = _json(row[1], "settings")
    return _id(row[0], "creation time"), settings if isinstance(settings, dict) else {}


def _rollover(
    connection: sqlite3.Connection, newer: bool, tables: set[str], settings: dict[str, Any]
) -> int:
    value: Any = settings.get("rollover", DEFAULT_ROLLOVER)
    if newer and "config" in tables:
        row = connection.execute("SELECT val FROM config WHERE key = 'rollover'").fetchone()
        if row is not None:
            value = _json(bytes(row[0]).decode(), "rollover")
    return value if isinstance(value, int) and 0 <= value <= 23 else DEFAULT_ROLLOVER


def _decks(connection: sqlite3.Connection, newer: bool) -> dict[int, str]:
    """Deck id -> full name, `Parent::Child`."""
    if newer:
        rows = connection.execute("SELECT id, name FROM decks").fetchall()
        return {_id(i, "deck"): str(name).replace("\x1f", "::") for i, name in rows}
    row = connection.execute("SELECT decks FROM col").fetchone()
    decks = _json(row[0] if row else None, "deck")
    return {
        _id(i, "deck"): str(d["name"]) if isinstance(d.get("name"), str) else str(i)
        for i, d in decks.items()
        if isinstance(d, dict)
    }


def _note_types(connection: sqlite3.Connection, newer: bool) -> dict[int, NoteType]:
    if newer:
        fields: dict[int, list[str]] = {}
        for ntid, name in connection.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
            fields.setdefault(_id(ntid, "note type"), []).append(str(name))
        templates: dict[int, int] = {}
        for ntid, count in connection.execute("SELECT ntid, count(*) FROM templates GROUP BY ntid"):
            templates[_id(ntid, "note type")] = int(count)
        types = {}
        for ntid, name, config in connection.execute("SELECT id, name, config FROM notetypes"):
            key = _id(ntid, "note type")
            types[key] = NoteType(
                name=str(name),
                fields=tuple(fields.get(key, [])),
                templates=templates.get(key, 1),
                cloze=_protobuf_kind(bytes(config or b"")) == CLOZE_KIND,
            )
        return types
    row = connection.execute("SELECT models FROM col").fetchone()
    models = _json(row[0] if row else None, "note type")
    return {
        _id(i, "note type"): NoteType(
            name=str(m.get("name", "")),
            fields=tuple(str(f.get("name", "")) for f in m.get("flds", []) if isinstance(f, dict)),
            templates=len(m.get("tmpls", [])) or 1,
            cloze=m.get("type") == CLOZE_KIND,
        )
        for i, m in models.items()
        if isinstance(m, dict)
    }


def _protobuf_kind(config: bytes) -> int:
    """Field 1 (`kind`) of a NotetypeConfig message; 0 (standard) when absent. Protobuf
    writes fields in number order and leaves out zero values, so it is first or missing."""
    if len(config) >= 2 and config[0] == 0x08:
        return config[1] & 0x7F
    return 0


def _notes(connection: sqlite3.Connection) -> list[AnkiNote]:
    return [
        AnkiNote(
            id=_id(note, "note"),
            guid=str(guid),
            type_id=_id(model, "note type"),
            fields=tuple(str(fields).split("\x1f")),
            tags=tuple(dict.fromkeys(str(tags).split())),
        )
        for note, guid, model, fields, tags in connection.execute(
            "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        )
    ]


def _cards(connection: sqlite3.Connection) -> list[AnkiCard]:
    rows = connection.execute(
        "SELECT id, nid, ord, did, odid, type, queue, due, odue, ivl, factor, reps, lapses "
        "FROM cards ORDER BY nid, ord"
    )
    cards = []
    for (
        card,
        note,
        order,
        deck,
        home,
        kind,
        queue,
        due,
        home_due,
        ivl,
        factor,
        reps,
        lapses,
    ) in rows:
        filtered = bool(home)  # in a filtered deck: its own deck and due are the home ones
        cards.append(
            AnkiCard(
                id=_id(card, "card"),
                note_id=_id(note, "note"),
                ord=int(order),
                deck_id=_id(home if filtered else deck, "deck"),
                type=int(kind),
                queue=int(queue),
                due=int(home_due if filtered and home_due else due),
                ivl=int(ivl),
                factor=int(factor),
                reps=int(reps),
                lapses=int(lapses),
            )
        )
    return cards


def _reviews(connection: sqlite3.Connection) -> list[AnkiReview]:
    return [
        AnkiReview(
            id=_id(moment, "review"),
            card_id=_id(card, "card"),
            ease=int(ease),
            ivl=int(ivl),
            factor=int(factor),
            time_ms=max(0, int(taken)),
            type=int(kind),
        )
        for moment, card, ease, ivl, factor, taken, kind in connection.execute(
            "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY id"
        )
    ]
