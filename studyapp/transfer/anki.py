"""Anki packages (.apkg): stamping our SM-2 schedule into one, and reading one back.

An .apkg is a zip holding a SQLite collection (`collection.anki2`, `collection.anki21`
from Anki 2.1's "support older Anki versions" export, or the zstd-compressed
`collection.anki21b` of newer Anki; transfer/anki_read.py opens all three). Notes keep
their fields in one column separated by \\x1f; each note has one or more cards, each card
one deck.

Writing: genanki builds the notes, decks and tags but writes every card as new. Our
`ScheduledPackage` subclass lets genanki make its rows as usual, collects them and writes
them in batches, putting each card's schedule into Anki's columns on the way (matching
notes by guid and card number); it then writes the review log (`revlog`) and fixes the
collection's clock settings. The mapping, SM-2 to Anki:

    new card (no due date)   type 0, queue 0, due = position in the new queue
    scheduled card           type 2, queue 2, due = days from the creation day to `due`
    ivl = interval (days)    factor = EF x 1000    lapses = lapses
    reps = number of logged grades of the card (at least the SM-2 repetition count)
    suspended                queue -1 (type kept)

Every logged grade becomes one `revlog` row:

    id = the moment in epoch milliseconds (1 ms later when two grades share one)
    ease: SM-2 0, 1, 2 (a failed recall) -> 1 Again; 3 -> 2 Hard; 4 -> 3 Good; 5 -> 4 Easy
    ivl, lastIvl = the interval after and before (days)   factor = EF after x 1000
    time = how long the answer took (ms)
    type: a first sight, a same-day repeat or the first answer after a lapse -> 0 learning
          (2 relearning once the card has lapsed); any other grade -> 1 review

Due days: Anki counts a review card's `due` in days from the collection's creation day and
finds "today" from the local clock and the rollover hour. The package says the creation
day is CREATED whatever the zone (`crt` at 12:00 UTC with `creationOffset` 0, Anki's newer
day handling) and carries the learner's `rollover_hour`, so Anki's today in the package is
the learner's study day, in any zone and at any hour, and an import shifts every due day
by the same number of days as "today".

Reading: `read_package` turns every Anki deck into a `DeckSpec` (cards arrive as new),
with card ids derived from the note guid so that importing again updates, not duplicates.
The CLI's import of a package goes through transfer/anki_read.py, anki_cards.py and
anki_import.py instead, which also bring each card's schedule, every sibling card of a
note and the review log.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
import tempfile
import zipfile
from calendar import timegm
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from studyapp.decks.format import CardSpec, DeckSpec, valid_id
from studyapp.transfer.anki_fields import html_to_text

CREATED = date(2020, 1, 1)
"""The creation day written into exported packages; review due dates count from it.
Stamped as 12:00 UTC so that the calendar day is the same in every time zone's Anki."""
CREATED_AT = timegm((CREATED.year, CREATED.month, CREATED.day, 12, 0, 0))

STUDYAPP_DECK_PREFIX = "studyapp::"
STUDYAPP_GUID_NAMESPACE = "studyapp"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SQLITE_MAGIC = b"SQLite format 3\x00"
COLLECTION_NAMES = ("collection.anki21b", "collection.anki21", "collection.anki2")
"""Newest first: a package from current Anki holds a stub collection.anki2 beside the real
compressed one."""
MAX_COLLECTION_BYTES = 512 * 1024 * 1024
"""A collection inside a package larger than this is refused (a zip bomb, most likely)."""
STEPS_PER_BYTE = 2
"""SQLite VM steps allowed per byte of the collection (with a floor of MIN_STEPS): reading
an Anki or genanki collection takes about 0.1 a byte, so more means a hostile file (a view
over an endless recursive query, say) and it is refused instead of read forever."""
MIN_STEPS = 1_000_000
STEP_GRAIN = 1000
"""How many VM steps SQLite runs between two calls of the step counter."""
MAX_JSON_NUMBER = 40
"""Characters in a number of the `col` JSON; Anki's are ids and times, at most 20."""


class PackageError(Exception):
    """An .apkg that cannot be read; the message is one line: `path: reason`."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnkiSchedule:
    """One card's state in Anki's columns, keyed by its note's guid and its card number
    (`ord`: 0, or 1 for a reversed card, n - 1 for cloze n)."""

    guid: str
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    ord: int = 0


def anki_schedule(
    guid: str,
    *,
    easiness: float,
    repetitions: int,
    interval: int,
    due: date | None,
    lapses: int,
    suspended: bool,
    position: int,
    logged: int,
    ord: int = 0,
) -> AnkiSchedule:
    """Our SM-2 state as Anki card columns (see the module docstring for the mapping)."""
    if due is None:
        card_type, anki_due = 0, position
    else:
        card_type, anki_due = 2, (due - CREATED).days
    return AnkiSchedule(
        guid=guid,
        type=card_type,
        queue=-1 if suspended else card_type,
        due=anki_due,
        ivl=interval,
        factor=round(easiness * 1000),
        reps=max(logged, repetitions),
        lapses=lapses,
        ord=ord,
    )


def anki_ease(quality: int) -> int:
    """An SM-2 grade as Anki's answer button: every failed recall (0-2) is Again."""
    return max(1, quality - 1)


def revlog_type(*, first_sight: bool, repeat: bool, repetitions_before: int, lapsed: bool) -> int:
    """Anki's kind of answer for one logged grade (see the module docstring)."""
    if first_sight or repeat or repetitions_before == 0:
        return REVLOG_RELEARN if lapsed else REVLOG_LEARN
    return REVLOG_REVIEW


REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN = 0, 1, 2
MAX_ANSWER_MS = 2**31 - 1
"""Anki keeps the answer time in a 32-bit column."""


class AnkiReview(NamedTuple):
    """One logged grade in Anki's `revlog` terms, keyed like AnkiSchedule (a named tuple:
    an export makes a million of them)."""

    guid: str
    ord: int
    millis: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time: int
    type: int


def scheduled_package(
    decks: Sequence[Any],
    schedules: Sequence[AnkiSchedule],
    reviews: Iterable[AnkiReview] = (),
    rollover_hour: int = 4,
) -> Any:
    """A genanki.Package that also writes `schedules` into its cards, `reviews` into its
    review log and the learner's day settings into its collection when written."""
    import genanki

    class ScheduledPackage(genanki.Package):  # type: ignore[misc]  # genanki is untyped
        def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Any) -> None:
            """genanki's write step, through a cursor that batches and stamps its rows."""
            scheduling = ScheduledCursor(cursor, schedules)
            super().write_to_db(scheduling, timestamp, id_gen)
            scheduling.flush()
            write_revlog(cursor, scheduling.card_ids, reviews)
            set_day_settings(cursor, rollover_hour)

    return ScheduledPackage(list(decks))


REVLOG_INSERT = "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)"
REVLOG_BATCH = 20_000


def write_revlog(
    cursor: sqlite3.Cursor, card_ids: dict[tuple[str, int], int], reviews: Iterable[AnkiReview]
) -> int:
    """Write the review log rows of the cards in the package; returns how many. Anki keys
    a row by its moment in milliseconds, so a grade sharing one moves 1 ms later."""
    indexes = cursor.execute(REVLOG_INDEXES).fetchall()
    for name, _sql in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    try:
        return _write_revlog_rows(cursor, card_ids, reviews)
    finally:
        for _name, sql in indexes:
            cursor.execute(sql)


REVLOG_INDEXES = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'revlog'"
"""The package's own indexes on its review log (by card, by usn), built again once its
rows are in: a million rows put one at a time into an index by card id, which they do not
arrive in, cost four times the rows themselves."""


def _write_revlog_rows(
    cursor: sqlite3.Cursor, card_ids: dict[tuple[str, int], int], reviews: Iterable[AnkiReview]
) -> int:
    used: set[int] = set()
    next_free: dict[int, int] = {}  # a crowded moment's next id to try: no quadratic probing
    batch: list[tuple[int, ...]] = []
    written = 0
    for guid, ord, millis, ease, ivl, last_ivl, factor, time, kind in reviews:
        card = card_ids.get((guid, ord))
        if card is None:
            continue  # a card not in the package (retired)
        row_id = millis
        if row_id in used:
            row_id = next_free.get(millis, row_id)
            while row_id in used:
                row_id += 1
            next_free[millis] = row_id + 1
        used.add(row_id)
        if not 0 <= time <= MAX_ANSWER_MS:
            time = min(max(time, 0), MAX_ANSWER_MS)
        batch.append((row_id, card, ease, ivl, last_ivl, factor, time, kind))
        if len(batch) >= REVLOG_BATCH:
            cursor.executemany(REVLOG_INSERT, batch)
            written += len(batch)
            batch.clear()
    cursor.executemany(REVLOG_INSERT, batch)
    return written + len(batch)


def set_day_settings(cursor: sqlite3.Cursor, rollover_hour: int) -> None:
    """The creation day and the day rollover Anki reads (see the module docstring)."""
    (text,) = cursor.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(text)
    conf.update(creationOffset=0, rollover=rollover_hour, schedVer=2)
    cursor.execute("UPDATE col SET crt = ?, conf = ?", (CREATED_AT, json.dumps(conf)))


NOTE_INSERT = "INSERT INTO notes VALUES"
CARD_INSERT = "INSERT INTO cards VALUES"
SCHEDULE_COLUMNS = slice(6, 13)
"""Where type, queue, due, ivl, factor, reps and lapses sit in a row of Anki's `cards`."""


class BatchingCursor:
    """A cursor for genanki's own write step that holds back its one-row note and card
    INSERTs and runs them with `executemany`: about three times faster for 100,000 notes.

    The rows are genanki's, made by genanki's code, and each table gets them in genanki's
    order. Any other statement (schema, the `col` row's JSON) first writes the held rows.
    """

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor
        self.held: dict[str, list[Sequence[Any]]] = {}
        self.lastrowid: int | None = None

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """Hold a note or card row; run anything else straight away."""
        if sql.startswith((NOTE_INSERT, CARD_INSERT)) and isinstance(parameters[0], int):
            self.held.setdefault(sql, []).append(parameters)
            self.lastrowid = parameters[0]  # an explicit id is the row's integer key
            return self
        self.flush()
        return self.cursor.execute(sql, parameters)

    def executescript(self, script: str) -> Any:
        self.flush()
        return self.cursor.executescript(script)

    def flush(self) -> None:
        """Write the held rows: notes first, as genanki does."""
        for sql in sorted(self.held, key=lambda sql: not sql.startswith(NOTE_INSERT)):
            self.cursor.executemany(sql, self.rows_to_write(sql, self.held[sql]))
        self.held.clear()

    def rows_to_write(self, sql: str, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
        """The rows to write for the held ones: here, the same."""
        return rows


class ScheduledCursor(BatchingCursor):
    """Also puts each card's schedule into its row (found through its note's guid) before
    the row is written, instead of updating 100,000 written rows afterwards."""

    def __init__(self, cursor: sqlite3.Cursor, schedules: Sequence[AnkiSchedule]) -> None:
        super().__init__(cursor)
        self.columns = {
            (s.guid, s.ord): (s.type, s.queue, s.due, s.ivl, s.factor, s.reps, s.lapses)
            for s in schedules
        }
        self.guids: dict[int, str] = {}  # note id -> guid
        self.card_ids: dict[tuple[str, int], int] = {}  # (guid, ord) -> Anki card id

    def rows_to_write(self, sql: str, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
        if sql.startswith(NOTE_INSERT):
            self.guids.update((row[0], row[1]) for row in rows)
            return rows
        guids, columns, card_ids = self.guids, self.columns, self.card_ids
        before, after = SCHEDULE_COLUMNS.start, SCHEDULE_COLUMNS.stop
        stamped: list[Sequence[Any]] = []
        for card in rows:
            key = (guids.get(card[1], ""), card[3])  # its note's id, its card number
            card_ids[key] = card[0]
            schedule = columns.get(key)
            stamped.append(card if schedule is None else (*card[:before], *schedule, *card[after:]))
        return stamped


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Note:
    guid: str
    fields: list[str]
    field_names: list[str]
    tags: tuple[str, ...]
    deck: str


@dataclass(frozen=True)
class PackageContents:
    """What an .apkg gave: one DeckSpec per Anki deck, and how many notes had no usable
    front and back (empty fields, or a note type whose first two fields are something else)."""

    decks: list[DeckSpec]
    skipped: int


def read_package(path: Path) -> list[DeckSpec]:
    """Every deck of an .apkg (made by Anki or genanki) as a `DeckSpec`, in name order."""
    return read_package_contents(path).decks


def read_package_contents(path: Path) -> PackageContents:
    """Read an .apkg. Raises PackageError for anything unreadable: not a zip, no collection
    inside, only the newer zstd collection, a corrupt collection, or no usable notes."""
    path = Path(path)
    data = _read_bytes(path)
    with tempfile.TemporaryDirectory(prefix="studyapp-apkg-") as folder:
        target = Path(folder) / "collection.sqlite"
        target.write_bytes(collection_bytes(path))
        try:
            notes = _read_notes(target)
        except (sqlite3.DatabaseError, ValueError, TypeError, AttributeError) as error:
            raise PackageError(path, f"the collection inside cannot be read: {error}") from None
    if not notes:
        raise PackageError(path, "the package holds no notes")
    return _deck_specs(path, data, notes)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PackageError(path, f"cannot read file: {error.strerror or error}") from None


def collection_bytes(path: Path) -> bytes:
    """The SQLite bytes of the package's collection, decompressed when zstd-compressed."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            name = next((n for n in COLLECTION_NAMES if n in names), None)
            if name is None:
                raise PackageError(path, "not an Anki package (no collection.anki2 inside)")
            info = package.getinfo(name)
            if info.file_size > MAX_COLLECTION_BYTES:
                raise PackageError(path, _too_large())
            raw = package.read(info)
    except zipfile.BadZipFile as error:
        raise PackageError(
            path, f"not an Anki package (not a readable zip file: {error})"
        ) from None
    except (OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise PackageError(path, f"cannot read the package: {error}") from None
    if raw.startswith(ZSTD_MAGIC):
        return _unzstd(path, raw)
    return raw


def _too_large() -> str:
    return f"the collection inside is larger than {MAX_COLLECTION_BYTES // 2**20} MiB"


def _unzstd(path: Path, raw: bytes) -> bytes:
    """zstd-decompressed, reading at most MAX_COLLECTION_BYTES (a bomb is refused)."""
    import zstandard

    try:
        with zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            data = reader.read(MAX_COLLECTION_BYTES + 1)
            while len(data) <= MAX_COLLECTION_BYTES and (more := reader.read(2**20)):
                data += more
    except zstandard.ZstdError as error:
        raise PackageError(path, f"the compressed collection is damaged: {error}") from None
    if len(data) > MAX_COLLECTION_BYTES:
        raise PackageError(path, _too_large())
    if not data.startswith(SQLITE_MAGIC):
        raise PackageError(path, "the compressed collection is damaged (no SQLite file inside)")
    return data


def _read_notes(collection: Path) -> list[_Note]:
    """The notes of a collection, read with bounded work: only plain tables, no value longer
    than the file, and at most STEPS_PER_BYTE SQLite steps a byte (ValueError beyond)."""
    size = collection.stat().st_size
    connection = sqlite3.connect(f"file:{collection}?mode=ro", uri=True)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(size, 2**20))  # a computed column
    steps_left = [max(MIN_STEPS, STEPS_PER_BYTE * size) // STEP_GRAIN]

    def step() -> bool:
        steps_left[0] -= 1
        return steps_left[0] < 0  # true: SQLite stops the query ("interrupted")

    connection.set_progress_handler(step, STEP_GRAIN)
    try:
        tables = _plain_tables(connection)
        for needed in ("notes", "cards", "col", *(("fields",) if "notetypes" in tables else ())):
            if needed not in tables:
                raise ValueError(f"its `{needed}` is missing or not a plain table")
        decks = _deck_names(connection, tables)
        models = _field_names(connection, tables)
        first_cards: dict[Any, tuple[Any, int]] = {}  # note id -> (ord, deck) of its first card
        # One pass over the cards, not a search of them per note (no index needed).
        for note, order, deck in connection.execute(
            "SELECT nid, ord, CASE WHEN odid THEN odid ELSE did END FROM cards"
        ):  # a filtered deck's card: its home deck
            if note not in first_cards or order < first_cards[note][0]:
                first_cards[note] = (order, 1 if deck is None else _id(deck, "deck"))
        rows = connection.execute(
            "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:
        if steps_left[0] < 0:
            raise ValueError(
                "reading it takes far more work than a collection of its size needs"
            ) from None
        raise
    finally:
        connection.close()
    return [
        _Note(
            guid=str(guid),
            fields=str(fields).split("\x1f"),
            field_names=models.get(_id(model, "note type"), []),
            tags=tuple(dict.fromkeys(str(tags).split())),
            deck=decks.get(first_cards.get(note, (0, 1))[1], "Default"),
        )
        for note, guid, model, fields, tags in rows
    ]


def _plain_tables(connection: sqlite3.Connection) -> set[str]:
    """The tables that just hold rows: no views, virtual tables or columns computed when read
    (the query or expression behind them could take any time)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE TABLE %'"
        )
    ]
    computed = "SELECT 1 FROM pragma_table_xinfo(?) WHERE hidden != 0"
    return {name for name in names if connection.execute(computed, (name,)).fetchone() is None}


def _id(value: object, what: str) -> int:
    """An Anki id: an integer, or one written in decimal (a JSON key); ValueError otherwise,
    rather than OverflowError for an infinite one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        return int(value)
    raise ValueError(f"a {what} id is not an integer: {str(value)[:40]}")


def _json(text: Any, what: str) -> Any:
    """A JSON column of `col`, parsed with limits: ValueError for nesting too deep or a
    number that is no ordinary one (1e999, NaN, thousands of digits)."""
    if not text:
        return {}
    try:
        return json.loads(
            text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_float
        )
    except RecursionError:
        raise ValueError(f"its {what} JSON is nested too deeply") from None


def _json_int(text: str) -> int:
    if len(text) > MAX_JSON_NUMBER:
        raise ValueError(f"a number in its JSON has {len(text)} digits")
    return int(text)


def _json_float(text: str) -> float:
    number = float(text) if len(text) <= MAX_JSON_NUMBER else math.inf
    if not math.isfinite(number):
        raise ValueError(f"a number in its JSON is not finite: {text[:MAX_JSON_NUMBER]}")
    return number


def _deck_names(connection: sqlite3.Connection, tables: set[str]) -> dict[int, str]:
    """Deck id -> full name (`Parent::Child`), from the `decks` table or the `col` JSON."""
    if "decks" in tables:
        rows = connection.execute("SELECT id, name FROM decks").fetchall()
        return {_id(i, "deck"): str(name).replace("\x1f", "::") for i, name in rows}
    row = connection.execute("SELECT decks FROM col").fetchone()
    decks = _json(row[0] if row else None, "deck")
    return {
        _id(i, "deck"): d["name"] if isinstance(d.get("name"), str) else i
        for i, d in decks.items()
        if isinstance(d, dict)
    }


def _field_names(connection: sqlite3.Connection, tables: set[str]) -> dict[int, list[str]]:
    """Note type id -> its field names (used to recognise our own exported notes)."""
    if "notetypes" in tables:  # and so `fields` too, checked by _read_notes
        names: dict[int, list[str]] = {}
        for model, name in connection.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
            names.setdefault(_id(model, "note type"), []).append(str(name))
        return names
    row = connection.execute("SELECT models FROM col").fetchone()
    models = _json(row[0] if row else None, "note type")
    return {
        _id(i, "note type"): [
            f["name"] if isinstance(f.get("name"), str) else "" for f in m.get("flds", [])
        ]
        for i, m in models.items()
        if isinstance(m, dict)
    }


OWN_FIELDS = ["Front", "Back", "Mnemonic", "Why", "Source", "Id"]
OWN_CLOZE_FIELDS = ["Text", "Back Extra", "Mnemonic", "Why", "Source", "Id"]
"""The fields of our note types: "studyapp card" and "studyapp card (and reversed)" have
the first, "studyapp cloze" the second (studyapp.transfer.export)."""


def _deck_specs(path: Path, data: bytes, notes: list[_Note]) -> PackageContents:
    by_deck: dict[str, list[_Note]] = {}
    for note in notes:
        by_deck.setdefault(note.deck, []).append(note)
    digest = hashlib.sha256(data).hexdigest()
    deck_ids = deck_ids_for(sorted(by_deck))
    specs = []
    skipped = 0
    for name in sorted(by_deck):
        made = [_card(path, note, index) for index, note in enumerate(by_deck[name], start=1)]
        cards = [card for card in made if card is not None]
        skipped += len(made) - len(cards)
        if cards:
            shown = name.removeprefix(STUDYAPP_DECK_PREFIX)
            specs.append(
                DeckSpec(
                    deck_ids[name],
                    shown,
                    f"Imported from {path.name}",
                    path,
                    digest,
                    tuple(_unique(cards)),
                )
            )
    if not specs:
        raise PackageError(path, "no note has both a front and a back")
    return PackageContents(specs, skipped)


def deck_ids_for(names: Sequence[str]) -> dict[str, str]:
    """A stable deck id per Anki deck name; `studyapp::x` maps back to our deck `x`.

    Other names become a lower-case slug (`Lang::French` -> `lang-french`); when two names
    give the same slug, each gets a short hash of its full name appended.
    """
    slugs: dict[str, str] = {}
    for name in names:
        own = name.removeprefix(STUDYAPP_DECK_PREFIX)
        if name.startswith(STUDYAPP_DECK_PREFIX) and valid_id(own):
            slugs[name] = own
        else:
            slug = re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-_")[:64] or "anki"
            slugs[name] = slug
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {
        name: slug if counts[slug] == 1 else f"{slug}-{_short_hash(name)}"
        for name, slug in slugs.items()
    }


def card_id_for_guid(guid: str) -> str:
    """The stable id of a card imported from an Anki note."""
    return f"anki-{_short_hash(guid, 16)}"


def _short_hash(text: str, digits: int = 8) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:digits]


def _card(path: Path, note: _Note, index: int) -> CardSpec | None:
    fields = [html_to_text(field) for field in note.fields]
    extra: dict[str, str | None] = {"mnemonic": None, "why": None, "source": path.name}
    card_id = card_id_for_guid(note.guid)
    if note.field_names == OWN_FIELDS and len(fields) == len(OWN_FIELDS):
        own = dict(zip(OWN_FIELDS, note.fields, strict=True))
        if valid_id(own["Id"]) and note.guid == _genanki_guid(own["Id"]):
            card_id = own["Id"]  # one of our exported cards coming home
            extra = {
                "mnemonic": fields[2] or None,
                "why": fields[3] or None,
                "source": html_to_text(own["Source"]) or None,
            }
    front = fields[0] if fields else ""
    back = fields[1] if len(fields) > 1 else ""
    cloze = _cloze(front)
    if cloze is not None:  # a cloze note: the gaps hidden on the front, filled on the back
        front, back = cloze[0], "\n".join(part for part in (cloze[1], back) if part)
    if not front or not back:
        return None
    tags = tuple(tag for tag in note.tags if tag)
    return CardSpec(
        id=card_id,
        front=front,
        back=back,
        tags=tags,
        line=index,
        mnemonic=extra["mnemonic"],
        why=extra["why"],
        source=extra["source"],
    )


CLOZE_START = re.compile(r"\{\{c\d+::")


def _cloze(text: str) -> tuple[str, str] | None:
    """`text` with its cloze deletions (`{{c1::answer}}`, `{{c2::answer::hint}}`) hidden as
    `[...]` or `[hint]`, and with them filled in; None when it has none.

    Each deletion runs to the first `}}` after its start, its hint from the first `::`. A
    scan that moves forward only: one pattern for the whole deletion backtracked cubically
    on thousands of openings never closed.
    """
    hidden: list[str] = []
    filled: list[str] = []
    done = 0
    while (start := CLOZE_START.search(text, done)) is not None:
        end = text.find("}}", start.end())
        if end < 0:
            break  # no deletion closes after here
        answer, _, hint = text[start.end() : end].partition("::")
        hidden += [text[done : start.start()], f"[{hint}]" if hint else "[...]"]
        filled += [text[done : start.start()], answer]
        done = end + 2
    if not hidden:
        return None
    return "".join(hidden) + text[done:], "".join(filled) + text[done:]


def _genanki_guid(card_id: str) -> str:
    import genanki

    return str(genanki.guid_for(STUDYAPP_GUID_NAMESPACE, card_id))


def _unique(cards: list[CardSpec]) -> list[CardSpec]:
    seen: set[str] = set()
    kept = []
    for card in cards:
        if card.id not in seen:
            seen.add(card.id)
            kept.append(card)
    return kept
