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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
REVLOG_BATCH = 20_000
"""Review-log rows read at a time: the log is streamed, never held whole."""
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class NoteType:
    """What the importer needs of a note type: its field names, card templates and kind."""

    name: str
    fields: tuple[str, ...]
    templates: int
    cloze: bool


@dataclass(frozen=True, slots=True)
class AnkiNote:
    id: int
    guid: str
    type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class AnkiReview:
    """One row of the review log (`revlog`)."""

    id: int  # the moment of the answer, in ms since the epoch
    card_id: int
    ease: int  # 1 Again, 2 Hard, 3 Good, 4 Easy; 0 for a manual reschedule
    ivl: int  # days if positive, seconds (learning) if negative
    factor: int
    time_ms: int
    type: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled


ReviewRow = tuple[int, int, int, int, int, int, int]
"""A revlog row as read: (id, card id, ease, ivl, factor, time in ms, type), AnkiReview's
fields in order, without an object per row (a long history has millions)."""


class RevlogFile:
    """The package's collection unpacked to a private temporary file, kept while the
    collection is in use so its review log can be read again, a batch at a time."""

    def __init__(self, raw: bytes) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="studyapp-apkg-")
        self.path = Path(self._folder.name) / "collection.sqlite"
        self.path.write_bytes(raw)
        self.plain = False
        """Every value of its `revlog` is an integer (checked): rows need no checks."""

    def close(self) -> None:
        self._folder.cleanup()


@dataclass(frozen=True)
class AnkiCollection:
    created: date
    """The collection's creation day: review cards' `due` counts days from it."""
    rollover: int
    decks: dict[int, str]
    note_types: dict[int, NoteType]
    notes: list[AnkiNote]
    cards: list[AnkiCard]
    revlog: RevlogFile | None = field(default=None, compare=False, repr=False)
    """Where the review log is read from (None: the collection has no `revlog` table)."""

    def day_of(self, moment_ms: int) -> date:
        """The Anki study day of a moment (local time, days starting at the rollover)."""
        local = datetime.fromtimestamp(moment_ms / 1000).astimezone()
        return (local - timedelta(hours=self.rollover)).date()

    def review_batches(self, size: int | None = None) -> Iterator[list[ReviewRow]]:
        """The whole review log in answer order (its id, the moment), `size` rows at a
        time (REVLOG_BATCH): memory holds one batch, however many years the log covers."""
        if self.revlog is None:
            return
        size, plain = size or REVLOG_BATCH, self.revlog.plain
        connection, steps_left = _connect(self.revlog.path)
        try:
            cursor = connection.execute(
                "SELECT id, cid, ease, ivl, factor, "
                + ("max(0, time)" if plain else "time")
                + ", type FROM revlog ORDER BY id"
            )
            while rows := cursor.fetchmany(size):
                yield rows if plain else [_review_row(row) for row in rows]
        except sqlite3.OperationalError:
            if steps_left[0] < 0:
                raise ValueError(TOO_MUCH_WORK) from None
            raise
        finally:
            connection.close()

    def review_count(self) -> int:
        """How many rows the review log has (for progress), without reading them."""
        if self.revlog is None:
            return 0
        connection, _steps_left = _connect(self.revlog.path)
        try:
            return int(connection.execute("SELECT count(*) FROM revlog").fetchone()[0])
        finally:
            connection.close()

    @property
    def reviews(self) -> list[AnkiReview]:
        """The whole log as objects: for a look at a small collection, not for importing."""
        return [AnkiReview(*row) for batch in self.review_batches() for row in batch]

    def close(self) -> None:
        """Remove the unpacked collection (it also goes when the object does)."""
        if self.revlog is not None:
            self.revlog.close()


def cached_days(day: Callable[[datetime], date]) -> Callable[[int], date]:
    """`day` of the local moment `ms` milliseconds after the epoch, computed once per hour
    of the clock rather than per answer: an hour whose first and last millisecond fall on
    the same day with the same UTC offset has no day boundary and no clock change inside,
    so every moment of it is that day. An hour with a boundary or a change is computed
    moment by moment, as before."""
    hours: dict[int, date | None] = {}

    def local_day(ms: int) -> date:
        hour = ms // HOUR_MS
        found = hours.get(hour, False)
        if found is False:
            first = datetime.fromtimestamp(hour * HOUR_MS / 1000).astimezone()
            last = datetime.fromtimestamp(((hour + 1) * HOUR_MS - 1) / 1000).astimezone()
            same = first.utcoffset() == last.utcoffset() and day(first) == day(last)
            found = hours[hour] = day(first) if same else None
        if found is None:
            return day(datetime.fromtimestamp(ms / 1000).astimezone())
        return found  # type: ignore[return-value]

    return local_day


TOO_MUCH_WORK = "reading it takes far more work than a collection of its size needs"


def read_collection(path: Path) -> AnkiCollection:
    """The collection inside the package at `path`; PackageError for anything unreadable."""
    path = Path(path)
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise PackageError(path, f"cannot read file: {error.strerror or error}") from None
    unpacked = RevlogFile(collection_bytes(path))  # the bytes go once they are on disk
    try:
        collection = _read(unpacked)
        _check_revlog(collection)
    except (sqlite3.DatabaseError, ValueError, TypeError, AttributeError, KeyError) as error:
        unpacked.close()
        raise PackageError(path, f"the collection inside cannot be read: {error}") from None
    if not collection.notes or collection.revlog is None:
        unpacked.close()  # nothing more to read from it
    if not collection.notes:
        raise PackageError(path, "the package holds no notes")
    return collection


def _connect(collection: Path) -> tuple[sqlite3.Connection, list[int]]:
    """A read-only connection with the bounds of transfer/anki.py: a step budget per byte
    (the list counts down; below zero the read was stopped)."""
    size = collection.stat().st_size
    connection = sqlite3.connect(f"file:{collection}?mode=ro", uri=True)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(size, 2**20))
    steps_left = [max(MIN_STEPS, STEPS_PER_BYTE * size) // STEP_GRAIN]

    def step() -> bool:
        steps_left[0] -= 1
        return steps_left[0] < 0

    connection.set_progress_handler(step, STEP_GRAIN)
    return connection, steps_left


def _read(unpacked: RevlogFile) -> AnkiCollection:
    connection, steps_left = _connect(unpacked.path)
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
            revlog=unpacked if "revlog" in tables else None,
        )
    except sqlite3.OperationalError:
        if steps_left[0] < 0:
            raise ValueError(TOO_MUCH_WORK) from None
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


REVLOG_COLUMNS = ("id", "cid", "ease", "ivl", "factor", "time", "type")
_ODD_REVLOG_ROW = (
    "SELECT 1 FROM revlog WHERE "
    + " OR ".join(f"typeof({name}) != 'integer'" for name in REVLOG_COLUMNS)
    + " LIMIT 1"
)


def _check_revlog(collection: AnkiCollection) -> None:
    """Refuse a log with a value that is no number now, not halfway through an import.
    A log of plain integers (every real one) is told by one query; any other is read
    through, row by row, with the same checks the import makes."""
    if collection.revlog is None:
        return
    connection, steps_left = _connect(collection.revlog.path)
    try:
        odd = connection.execute(_ODD_REVLOG_ROW).fetchone()
    except sqlite3.OperationalError:
        if steps_left[0] < 0:
            raise ValueError(TOO_MUCH_WORK) from None
        raise
    finally:
        connection.close()
    if odd is None:
        collection.revlog.plain = True
    else:
        for _batch in collection.review_batches():
            pass


def _review_row(row: tuple[Any, ...]) -> ReviewRow:
    moment, card, ease, ivl, factor, taken, kind = row
    return (
        _id(moment, "review"),
        _id(card, "card"),
        int(ease),
        int(ivl),
        int(factor),
        max(0, int(taken)),
        int(kind),
    )
