"""Restoring a whole collection from `studyapp export --format json`, streamed.

The backup (backup.py writes it one record per line inside its arrays) is read a batch of
lines at a time: msgspec decodes each batch into the Structs of backup_schema.py, checking
types and ranges as it goes; then the rules no type can say are checked here (ids spelt as
deck files spell them, text without control characters, each card's deck, each review's
card and the state it starts from, each attempt's review, ids that rise and never repeat).
A restore checks and loads in the same pass, inside one transaction: every table is
emptied, the checked rows go in a batch at a time with the driver's executemany
(store/bulk.py), and the per-day totals are rebuilt from the restored log. A problem
anywhere raises `ImportProblem` with one line naming the file, the line and byte where the
damage is, the record and the field (`reviews[12].before.easiness: ...`); the transaction
is rolled back and the database is left as it was.

A large backup file (READ_BESIDE_FROM) is read and checked in a second process while this
one writes: the reading (decoding, the rules above) and the writing (the driver binding a
million rows) each take seconds, and on two cores they overlap. On PostgreSQL the writer
streams each table's batches into one binary COPY (store/bulk.RowWriter). The reader runs the same
_Loader and sends its checked rows a batch at a time; the writer inserts them, builds the
cards' text index once the cards are in and counts each stretch of the log into the day
totals as it arrives, so little is left to do after the last record.

A document laid out otherwise (an export from before issue 16, or a file reformatted by
hand) is read whole when it is small (WHOLE_DOCUMENT_LIMIT) and refused with a clear
message when it is not, rather than taking gigabytes of memory.

Importing replaces: the collection afterwards is exactly the exported one. Because that
throws away what the database held, a restore refuses a database that already holds study
data (see `study_data_in`) unless `replace=True`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import re
import signal
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect
import msgspec.msgpack
from sqlalchemy import Connection, exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from studyapp.config import PREFERENCE_NAMES, parse_preference
from studyapp.decks.format import DeckSpec, control_character, valid_id
from studyapp.decks.freshness import DRILL_FINGERPRINT_KEY, SyncReport
from studyapp.decks.sync import write_deck  # the same rules as `studyapp import`
from studyapp.schedulers import fsrs
from studyapp.schedulers.sm2 import INITIAL_EASINESS
from studyapp.store import Database, totals
from studyapp.store.bulk import RowWriter, empty_tables, insert_rows
from studyapp.store.card_dates import date_undated_cards
from studyapp.store.card_index import CardIndex, index_rebuilt_after
from studyapp.store.models import (
    Card,
    Deck,
    DrillAttempt,
    Preference,
    Review,
)
from studyapp.store.rows import MISTAKE_COLUMNS
from studyapp.store.schema import FSRS_COLUMNS, move_id_sequences
from studyapp.store.statements import ATTEMPT_COLUMNS
from studyapp.transfer import backup_schema as schema
from studyapp.transfer.backup_schema import (
    FORMAT,
    FORMAT_VERSION,
    PREFERENCES,
    SECTIONS,
    Section,
    field_kinds,
)
from studyapp.transfer.files import Progress, Tally

WHOLE_DOCUMENT_LIMIT = 16 * 1024**2
"""The largest backup read whole when it is not laid out one record per line: decoded into
Python objects a JSON file takes ten times its size in memory."""
BATCH = 2000
KINDS = ("card", "topic")
ORIGINS = ("bundled", "import")
OUTCOMES = ("correct", "wrong", "gave_up")
TEMPLATES = ("basic", "reverse", "cloze")
MISTAKE_STATUSES = ("active", "resolved")
SIBLING = re.compile(r"rev|[ct][1-9][0-9]{0,4}")
"""What may follow `~` in a card id: a note's reverse (`x~rev`), cloze (`x~c2`) or other
Anki template (`x~t3`) card."""
FIRST_SECOND = 0
LAST_SECOND = datetime(9999, 1, 1, tzinfo=UTC).timestamp()


class ImportProblem(Exception):
    """A file that cannot be imported, or a database that must not be overwritten."""


class _Bad(Exception):
    """A problem at one place of the document; becomes an ImportProblem with the file."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)


# --- the source: a file, or a document already in memory -------------------------------------


@dataclass
class Restored:
    """A backup to restore: its file (or an in-memory document), and once it has been read
    through, how many records each section held."""

    path: Path | None = None
    document: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path) if self.path is not None else "document"

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)


def open_backup(path: Path) -> Restored:
    """A backup file to restore, read only when it is restored (one pass: check and load)."""
    path = Path(path)
    if not path.is_file():
        raise ImportProblem(f"{path}: no such file")
    return Restored(path=path)


def read_json(path: Path) -> Restored:
    """Read an export file through and check it, without a database; raises ImportProblem
    naming the file and the place. (A restore checks as it loads: this is for a check
    alone.)"""
    restored = open_backup(path)
    try:
        _Loader(None).load(restored)
    except _Bad as problem:
        raise ImportProblem(f"{restored.path}: {problem}") from None
    return restored


def check_document(document: Any) -> Restored:
    """A document already in memory (export_json's), checked: _Bad at the first thing that
    is wrong."""
    restored = Restored(document=document)
    _Loader(None).load(restored)
    return restored


# --- records: decoded, checked, and turned into stored rows ----------------------------------


_STRUCTS: dict[str, type[schema.Struct]] = {section.key: section.record for section in SECTIONS}
_NAMES = {
    "int": "an integer",
    "str": "a string",
    "bool": "true or false",
    "float": "a number",
    "object": "an object",
    "array": "a list",
    "null": "null",
}
_MESSAGE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _explain(error: msgspec.MsgspecError, where: str, raw: Any, kind: type[Any]) -> _Bad:
    """A msgspec error on the record at `where` as this module's words: the field's place
    and what is wrong with it (with the value, read again from the record)."""
    found = _MESSAGE.match(str(error))
    what, path = (found["what"], found["path"] or "") if found else (str(error), "")
    place = where + re.sub(r"\[(\d+)\]", r".\1", path) if path else where
    missing = re.fullmatch(r"Object missing required field `(.*)`", what)
    if missing:
        return _Bad(place, f"missing field '{missing[1]}'")
    wrong = re.fullmatch(r"Expected `(.*?)`, got `(.*)`", what)
    if wrong:
        expected = " or ".join(_NAMES.get(name, name) for name in wrong[1].split(" | "))
        return _Bad(place, f"expected {expected}, got {_NAMES.get(wrong[2], wrong[2])}")
    value = _value_at(raw, path)
    if what.startswith("Invalid RFC3339 encoded date"):
        return _Bad(place, f"{value!r} is not an ISO date")
    bounds = _bounds(kind, path)
    if bounds is not None and isinstance(value, int | float) and what.startswith("Expected `"):
        if bounds[1] is None:
            return _Bad(place, f"{value} is below {bounds[0]}")
        return _Bad(place, f"{value} is outside {bounds[0]}..{bounds[1]}")
    if "length" in what and isinstance(value, str):
        return _Bad(place, f"longer than {what.rpartition(' ')[2]} characters")
    return _Bad(place, what[0].lower() + what[1:])


def _steps(path: str) -> list[str]:
    return [step for step in re.split(r"[.\[\]]+", path) if step]


def _value_at(raw: Any, path: str) -> Any:
    try:
        value = msgspec.json.decode(raw) if isinstance(raw, bytes) else raw
        for step in _steps(path):
            value = value[int(step)] if isinstance(value, list) else value[step]
        return value
    except (msgspec.MsgspecError, KeyError, IndexError, ValueError, TypeError):
        return None


def _bounds(kind: Any, path: str) -> tuple[Any, Any] | None:
    """The (lowest, highest) the schema allows at `path` of a `kind` record, if a range."""
    info: Any = msgspec.inspect.type_info(kind)
    for step in _steps(path):
        while isinstance(info, msgspec.inspect.UnionType):
            info = next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType))
        if isinstance(info, msgspec.inspect.StructType):
            info = next((f.type for f in info.fields if f.name == step), None)
        elif isinstance(info, msgspec.inspect.DictType | msgspec.inspect.ListType):
            info = getattr(info, "value_type", None) or getattr(info, "item_type", None)
        else:
            return None
    while isinstance(info, msgspec.inspect.UnionType):
        info = next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(info, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        return (info.ge, info.le)
    return None


def _text(where: str, value: str | None) -> None:
    """Text the database can store and the app can show: no lone surrogate, no NUL or
    escape sequence (the deck files refuse them, and Anki cannot read an .apkg holding
    one)."""
    if value is None or value.isprintable():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(where, "holds a lone surrogate, which is not valid Unicode text") from None
    bad = control_character(value)
    if bad is not None:
        raise _Bad(where, f"contains a control character ({bad})")


def _identifier(where: str, value: str) -> str:
    if not valid_id(value):
        raise _Bad(
            where,
            f"{value!r} is not a valid id: use letters, digits, '_', '-' or '.', no spaces",
        )
    return value


def _card_identifier(where: str, value: str) -> str:
    note, tilde, sibling = value.partition("~")
    if not valid_id(note) or (tilde and SIBLING.fullmatch(sibling) is None):
        raise _Bad(
            where,
            f"{value!r} is not a valid card id: use letters, digits, '_', '-' or '.', "
            "no spaces, then ~rev, ~cN or ~tN for a note's other cards",
        )
    return value


def _choice(where: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _Bad(where, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _moment(where: str, value: str) -> int:
    """A moment as stored: whole milliseconds since 1970 UTC (a moment without an offset
    is UTC)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(where, f"{value!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = moment.timestamp()
    if not FIRST_SECOND <= seconds < LAST_SECOND:
        raise _Bad(where, f"{value!r} is before 1970 or after 9998")
    return round(seconds * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_LAST_MILLIS = round(LAST_SECOND * 1000)


def _review_moment(index: int, value: str) -> int:
    """`_moment` of `reviews[index].time`, at a third of its cost for the form backup.py
    writes (UTC to the whole millisecond); any other form takes `_moment`'s path."""
    try:
        delta = datetime.fromisoformat(value) - _EPOCH
    except (ValueError, TypeError):  # not ISO, or without an offset
        return _moment(f"reviews[{index}].time", value)
    if delta.microseconds % 1000:
        return _moment(f"reviews[{index}].time", value)
    millis = delta // _MILLISECOND
    if not 0 <= millis < _LAST_MILLIS:
        return _moment(f"reviews[{index}].time", value)
    return millis


def _ordinal(value: date | None) -> int | None:
    return None if value is None else value.toordinal()


def _ease(value: float) -> int:
    return round(value * 100)


State = tuple[int, int, int, int | None, int, int | None]
NEW_STATE: State = (round(INITIAL_EASINESS * 100), 0, 0, None, 0, None)
"""A new item's state (scheduler.Sm2State()), stored form, as the history check compares."""


def _state(s: schema.Schedule | schema.After, last_review: int | None) -> State:
    return (_ease(s.easiness), s.repetitions, s.interval, _ordinal(s.due), s.lapses, last_review)


COLUMNS: dict[str, tuple[str, ...]] = {
    "decks": ("id", "name", "description", "origin", "source_path", "digest", "retired"),
    "cards": (
        "id",
        "deck_id",
        "position",
        "front",
        "back",
        "note_id",
        "template",
        "ordinal",
        "anki_guid",
        "mnemonic",
        "why",
        "source",
        "tags",
        "suspended",
        "retired",
        "easiness",
        "repetitions",
        "interval",
        "due",
        "lapses",
        "last_review",
        "added",
        *FSRS_COLUMNS,
    ),
    "topics": (
        "id",
        "title",
        "suspended",
        "level",
        "easiness",
        "repetitions",
        "interval",
        "due",
        "lapses",
        "last_review",
        *FSRS_COLUMNS,
    ),
    "reviews": (
        "id",
        "kind",
        "item_id",
        "reviewed_at",
        "day",
        "quality",
        "duration_ms",
        "repeat",
        "imported",
        "cram",
        "leech",
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
    ),
    "drill_attempts": ("id", *ATTEMPT_COLUMNS),
    "misconceptions": MISTAKE_COLUMNS,
}
"""Each section's stored columns, in the order its rows are built below."""


Sink = Callable[[str, tuple[str, ...], list[tuple[Any, ...]]], None]
"""Where a loader's checked rows go instead of its connection: (table, columns, rows)."""


class _Loader:
    """Checks a backup's records in document order, and, given a connection, inserts them
    a batch at a time. Keeps what later records are checked against: the ids seen, each
    item's state, the state each item's last review left."""

    def __init__(
        self,
        connection: Connection | None,
        progress: Tally | None = None,
        *,
        sink: Sink | None = None,
        sqlite: bool | None = None,
    ) -> None:
        self.connection = connection
        self.tally = progress
        self.sink = sink
        self.deck_ids: set[str] = set()
        self.decks_given = False
        self.card_ids: set[str] = set()
        self.topic_ids: set[str] = set()
        self.items: dict[tuple[str, str], tuple[int, State]] = {}
        self.left: dict[tuple[str, str], tuple[int, State]] = {}
        self.review_ids = array("q")
        self.last_attempt_id = 0
        self.mistake_ids: set[str] = set()
        self.counts: dict[str, int] = {}
        self.generic_ids: dict[str, set[Any]] = {}
        self.without_fsrs = 0  # reviewed items the backup gives no FSRS state
        # A flag as the driver binds it fastest: sqlite3 binds 0/1 as they are but adapts
        # a bool (three flags cost more than the row's twenty integers); psycopg needs bools.
        if sqlite is None:
            sqlite = connection is not None and connection.dialect.name == "sqlite"
        self.true, self.false = (1, 0) if sqlite else (True, False)

    # --- the document ---

    def load(self, restored: Restored) -> None:
        """Check (and insert) every record of `restored`; fills in its counts."""
        if restored.document is not None:
            self._whole(restored.document)
        else:
            assert restored.path is not None
            self._file(restored.path)
        self._finish()
        restored.counts = dict(self.counts)

    def _file(self, path: Path) -> None:
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise _Bad("", f"cannot read file: {error.strerror or error}") from None
        with handle:
            first = handle.readline(4096)
            if not _framed_header(first):
                size = path.stat().st_size
                if size > WHOLE_DOCUMENT_LIMIT:
                    raise _Bad(
                        "",
                        f"this backup is not laid out one record per line, as `studyapp "
                        f"export` writes it, and at {size // 2**20} MiB it is too large to "
                        f"read whole (the limit is {WHOLE_DOCUMENT_LIMIT // 2**20} MiB): "
                        "export it again with this version of studyapp",
                    )
                handle.seek(0)
                self._whole(_decode_whole(handle.read()))
                return
            _Lines(handle, first, self).read()

    def _whole(self, document: Any) -> None:
        """A document decoded whole: its sections in order, each record converted."""
        if not isinstance(document, dict) or "cards" not in document:
            raise _Bad(
                "",
                "not a studyapp JSON export "
                "(expected an object with 'cards', 'topics' and 'reviews')",
            )
        self.header(
            msgspec.convert(
                {k: document[k] for k in ("format", "version") if k in document}, schema.Header
            ),
            "",
        )
        for section in SECTIONS:
            if section.key not in document:
                if section.required:
                    raise _Bad("", f"missing '{section.key}'")
                continue
            items = document[section.key]
            if not isinstance(items, list):
                raise _Bad(section.key, f"expected a list, got {_kind(items)}")
            for start in range(0, len(items), BATCH):
                batch = items[start : start + BATCH]
                records = []
                for index, item in enumerate(batch, start):
                    try:
                        records.append(msgspec.convert(item, section.record, str_keys=True))
                    except msgspec.ValidationError as error:
                        raise _explain(
                            error, f"{section.key}[{index}]", item, section.record
                        ) from None
                self.take(section, start, records)
            self.end(section)
        self.preferences(document.get(PREFERENCES, {}))

    def header(self, header: schema.Header, where: str) -> None:
        if header.format != FORMAT:
            raise _Bad(where + "format", f"expected {FORMAT!r}, got {header.format!r}")
        if header.version != FORMAT_VERSION:
            raise _Bad(
                where + "version",
                f"this studyapp reads version {FORMAT_VERSION}, not {header.version!r}",
            )

    # --- records ---

    def take(self, section: Section, start: int, records: list[Any]) -> None:
        """Check a batch of one section's records (the first at index `start`) and insert
        their rows."""
        convert = getattr(self, "_" + section.key, None)
        if convert is None:
            kinds = field_kinds(section.record)
            seen = self.generic_ids.setdefault(section.key, set())
            rows = [
                self._generic(f"{section.key}[{i}]", r, kinds, seen)
                for i, r in enumerate(records, start)
            ]
        elif section.key == "reviews":
            rows = self._reviews(start, records)
        else:
            rows = [convert(f"{section.key}[{i}]", r) for i, r in enumerate(records, start)]
        self.counts[section.key] = self.counts.get(section.key, 0) + len(rows)
        self._insert(section.table, section.key, rows)

    def _insert(self, table: str, key: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._write(table, COLUMNS.get(key) or tuple(field_kinds(_STRUCTS[key])), rows)
        if self.tally is not None:
            self.tally.add(len(rows))

    def end(self, section: Section) -> None:
        """A section ended (or was missing): an older backup without decks gets the decks
        its cards name, named after their ids."""
        if section.key == "decks":
            self.decks_given = True

    def _generic(
        self, where: str, record: Any, kinds: dict[str, str], seen: set[Any]
    ) -> tuple[Any, ...]:
        """A record of a section stored field for field: its text checked, its days as
        ordinals, its `id` (if it has one) not repeated."""
        values = []
        for name, kind in kinds.items():
            value = getattr(record, name)
            if kind == "day" and value is not None:
                value = value.toordinal()
            elif kind == "text":
                _text(f"{where}.{name}", value)
            values.append(value)
        if "id" in kinds:
            if record.id in seen:
                raise _Bad(f"{where}.id", f"duplicate id {record.id!r}")
            seen.add(record.id)
        return tuple(values)

    def _decks(self, where: str, d: schema.Deck) -> tuple[Any, ...]:
        _identifier(f"{where}.id", d.id)
        if d.id in self.deck_ids:
            raise _Bad(f"{where}.id", f"duplicate id {d.id!r}")
        self.deck_ids.add(d.id)
        for name in ("name", "description", "source_path", "digest"):
            _text(f"{where}.{name}", getattr(d, name))
        _choice(f"{where}.origin", d.origin, ORIGINS)
        return (d.id, d.name, d.description or "", d.origin, d.source_path, d.digest, d.retired)

    def _cards(self, where: str, c: schema.Card) -> tuple[Any, ...]:
        _card_identifier(f"{where}.id", c.id)
        if c.id in self.card_ids:
            raise _Bad(f"{where}.id", f"duplicate id {c.id!r}")
        self.card_ids.add(c.id)
        _identifier(f"{where}.deck", c.deck)
        if c.deck not in self.deck_ids:
            if self.decks_given:
                raise _Bad(f"{where}.deck", f"no deck {c.deck!r} in 'decks'")
            self.deck_ids.add(c.deck)  # an older backup: decks named after their ids
            self._insert("decks", "decks", [(c.deck, c.deck, "", "import", None, None, False)])
        template = _choice(f"{where}.template", c.template, TEMPLATES)
        if not c.front.strip():
            raise _Bad(f"{where}.front", "is empty")
        if template != "cloze" and not c.back.strip():  # a cloze's back is its extra
            raise _Bad(f"{where}.back", "is empty")
        if c.note_id is not None:
            _identifier(f"{where}.note_id", c.note_id)
        for name in ("front", "back", "mnemonic", "why", "source", "anki_guid"):
            _text(f"{where}.{name}", getattr(c, name))
        if not all(isinstance(t, str) and t.split() == [t] for t in c.tags):
            raise _Bad(f"{where}.tags", "expected a list of words without spaces")
        tags = " ".join(c.tags)
        _text(f"{where}.tags", tags)
        s = c.schedule
        state = _state(s, _ordinal(s.last_review))
        self.items[("card", c.id)] = (len(self.card_ids) - 1, state)
        memory = self._memory(c.fsrs, s.last_review)
        return (
            c.id,
            c.deck,
            c.position,
            c.front,
            c.back,
            c.note_id,
            template,
            c.ordinal,
            c.anki_guid,
            c.mnemonic,
            c.why,
            c.source,
            tags,
            self.true if c.suspended else self.false,
            self.true if c.retired else self.false,
            *state,
            _ordinal(c.added),
            *memory,
        )

    def _topics(self, where: str, t: schema.Topic) -> tuple[Any, ...]:
        _identifier(f"{where}.id", t.id)
        if t.id in self.topic_ids:
            raise _Bad(f"{where}.id", f"duplicate id {t.id!r}")
        self.topic_ids.add(t.id)
        _text(f"{where}.title", t.title)
        state = _state(t.schedule, _ordinal(t.schedule.last_review))
        self.items[("topic", t.id)] = (len(self.topic_ids) - 1, state)
        memory = self._memory(t.fsrs, t.schedule.last_review)
        return (t.id, t.title or "", t.suspended, t.level, *state, *memory)

    def _memory(
        self, memory: schema.Memory | None, last_review: date | None
    ) -> tuple[float | None, float | None, int | None]:
        """An item's FSRS columns: its kept state as it was (a state derived from part of a
        log may fall due before SM-2's last review: it is the collection's, not damage), or
        none (counted: a restore with any reviewed item lacking one derives them all)."""
        if memory is None:
            self.without_fsrs += last_review is not None
            return (None, None, None)
        return (memory.stability, memory.difficulty, memory.due.toordinal())

    def _reviews(self, start: int, records: list[schema.Review]) -> list[tuple[Any, ...]]:
        """A batch of reviews, the first `reviews[start]`. Each must start from the state
        the item's previous review left (or a new item's, after a reset), a same-day repeat
        changes nothing, and the item must exist. An item's first review may start from any
        state (an older export may carry a schedule without its log). The hot path of a
        restore, a million of these: one loop over the batch, names looked up once, states
        built inline, and a record's place spelt out only when it is wrong."""
        ids, items, left, new_state = self.review_ids, self.items, self.left, NEW_STATE
        true, false = self.true, self.false
        last_id = ids[-1] if ids else None
        moment = _review_moment
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for index, r in enumerate(records, start):
            rid = r.id
            if last_id is not None and rid <= last_id:
                raise _Bad(
                    f"reviews[{index}].id",
                    f"duplicate id {rid}"
                    if rid in ids
                    else f"{rid} comes after {last_id}: reviews are written oldest first",
                )
            key = (r.kind, r.item_id)
            if key not in items:  # every item there has a valid kind and id
                where = f"reviews[{index}]"
                kind = _choice(f"{where}.kind", r.kind, KINDS)
                _card_identifier(f"{where}.item_id", r.item_id)
                section = "cards" if kind == "card" else "topics"
                raise _Bad(f"{where}.item_id", f"no {kind} {r.item_id!r} in '{section}'")
            at = moment(index, r.time)
            day = r.day.toordinal()
            b, a = r.before, r.after
            due, last = b.due, b.last_review
            before = (
                round(b.easiness * 100),
                b.repetitions,
                b.interval,
                None if due is None else due.toordinal(),
                b.lapses,
                None if last is None else last.toordinal(),
            )
            previous = left.get(key)
            if previous is not None and before != previous[1] and before != new_state:
                raise _Bad(
                    f"reviews[{index}].before",
                    f"does not follow from reviews[{previous[0]}], "
                    f"the previous review of {r.kind} {r.item_id!r}",
                )
            due = a.due
            repeat = r.repeat
            after = (
                round(a.easiness * 100),
                a.repetitions,
                a.interval,
                None if due is None else due.toordinal(),
                a.lapses,
                before[5] if repeat else day,
            )
            if repeat and after != before:
                raise _Bad(
                    f"reviews[{index}].after",
                    "a same-day repeat does not change the schedule, but this one does",
                )
            left[key] = (index, after)
            ids.append(rid)
            last_id = rid
            append((
                rid, r.kind, r.item_id, at, day, r.quality, r.duration_ms,
                true if repeat else false, true if r.imported else false,
                true if r.cram else false, r.leech, *before, *after[:5],
            ))  # fmt: skip
        return rows

    def _drill_attempts(self, where: str, a: schema.Attempt) -> tuple[Any, ...]:
        if a.id <= self.last_attempt_id:
            raise _Bad(f"{where}.id", f"duplicate id {a.id} or out of order: ids must rise")
        self.last_attempt_id = a.id
        _identifier(f"{where}.topic", a.topic)
        _choice(f"{where}.outcome", a.outcome, OUTCOMES)
        _text(f"{where}.typed", a.typed)
        if a.review_id is not None:
            found = bisect_left(self.review_ids, a.review_id)
            if found == len(self.review_ids) or self.review_ids[found] != a.review_id:
                raise _Bad(f"{where}.review_id", f"no review {a.review_id} in 'reviews'")
        slips = a.slips or {}
        if not all(valid_id(slip) for slip in slips.values()):
            raise _Bad(f"{where}.slips", "expected an object of checkpoint names to slip ids")
        saved: dict[str, Any] = {}
        for mistake_id, row in (a.mistakes_before or {}).items():
            place = f"{where}.mistakes_before.{mistake_id}"
            if row is None:
                saved[mistake_id] = None
                continue
            values = self._mistake_row(place, row)
            if row.id != mistake_id:
                raise _Bad(place, "its id differs")
            saved[mistake_id] = dict(zip(COLUMNS["misconceptions"], values, strict=True))
        return (
            a.id,
            a.topic,
            a.seed,
            a.difficulty,
            _json_text(a.inputs),
            _json_text(a.expected),
            a.typed or "",
            a.outcome,
            a.correct,
            a.hint_used,
            _moment(f"{where}.time", a.time),
            a.day.toordinal(),
            a.duration_ms,
            a.review_id,
            a.level_move,
            json.dumps(slips, sort_keys=True),
            json.dumps(saved, sort_keys=True) if saved else None,
        )

    def _misconceptions(self, where: str, m: schema.Misconception) -> tuple[Any, ...]:
        if m.id in self.mistake_ids:
            raise _Bad(f"{where}.id", f"duplicate id {m.id!r}")
        self.mistake_ids.add(m.id)
        return self._mistake_row(where, m)

    def _mistake_row(self, where: str, m: schema.Misconception) -> tuple[Any, ...]:
        _identifier(f"{where}.id", m.id)
        _identifier(f"{where}.topic", m.topic)
        _choice(f"{where}.status", m.status, MISTAKE_STATUSES)
        return (
            m.id,
            m.topic,
            m.seen,
            m.first_seen.toordinal(),
            m.last_seen.toordinal(),
            m.avoided_run,
            _ordinal(m.due),
            m.status,
            m.last_attempt,
        )

    def preferences(self, value: Any) -> None:
        """The preferences by the rules of `studyapp config`: a value the app could not use
        would stop every later start (stored normalised, as `config` stores it)."""
        if not isinstance(value, dict):
            raise _Bad(PREFERENCES, f"expected an object, got {_kind(value)}")
        rows = []
        for key, setting in value.items():
            known = key in PREFERENCE_NAMES or key in (DRILL_FINGERPRINT_KEY, *FSRS_KEYS)
            where = f"{PREFERENCES}.{key}" if known else f"{PREFERENCES}[{key!r}]"
            if not isinstance(setting, str) or len(key) > 50 or len(setting) > 200:
                raise _Bad(where, "expected a short string")
            _text(where, key)
            if key == DRILL_FINGERPRINT_KEY:  # bookkeeping: a wrong one only means a resync
                _text(where, setting)
                rows.append((key, setting))
                continue
            if key in FSRS_KEYS:
                _fsrs_bookkeeping(where, key, setting)
                if key != fsrs.TRACKED_KEY or not self.without_fsrs:  # else: derived again
                    rows.append((key, setting))
                continue
            _text(where, setting)
            try:
                number = parse_preference(key, setting)
            except ValueError as error:
                raise _Bad(where, str(error)) from None
            rows.append((key, str(number)))
        if rows:
            self._write("preferences", ("key", "value"), rows)

    def _write(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if self.sink is not None:
            self.sink(table, columns, rows)
        elif self.connection is not None:
            insert_rows(self.connection, table, columns, rows)

    def _finish(self) -> None:
        """Each item must hold the state its last review left, or a new item's."""
        for key, (index, state) in self.left.items():
            position, item_state = self.items[key]
            if item_state != state and item_state != NEW_STATE:
                section = "cards" if key[0] == "card" else "topics"
                raise _Bad(
                    f"{section}[{position}].schedule",
                    f"is not the state its last review left (reviews[{index}]) nor a new one",
                )


FSRS_KEYS = (fsrs.TRACKED_KEY, fsrs.PARAMETERS_KEY, fsrs.FITTED_KEY)
"""FSRS's bookkeeping a backup carries (backup.py fsrs_bookkeeping)."""


def _fsrs_bookkeeping(where: str, key: str, value: str) -> None:
    """FSRS's bookkeeping as the app writes it: a wrong value would silently put FSRS's
    defaults or a false "kept" in place of what the learner had."""
    try:
        if key == fsrs.TRACKED_KEY and value != "1":
            raise ValueError(f"expected '1', got {value!r}")
        if key == fsrs.PARAMETERS_KEY:
            fsrs.check_parameters([float(w) for w in value.split(",")])
        if key == fsrs.FITTED_KEY:
            day, count = value.split()
            date.fromisoformat(day)
            if not count.isdigit():
                raise ValueError(f"{count!r} is not a count of grades")
    except ValueError as error:
        raise _Bad(where, str(error)) from None


def _json_text(value: Any) -> str:
    return json.dumps(value)


def _kind(value: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _decode_whole(data: bytes) -> Any:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as error:
        raise _Bad("", _not_json(error)) from None


def _not_json(error: msgspec.MsgspecError) -> str:
    message = str(error)
    return f"not valid JSON: {message[:1].lower()}{message[1:]}"


# --- the line-per-record layout --------------------------------------------------------------

_HEADER = re.compile(rb'^(\xef\xbb\xbf)?\{"format":.*,"version":.*,\r?\n$')


def _framed_header(line: bytes) -> bool:
    return _HEADER.match(line) is not None


class _Lines:
    """Reads backup.py's layout a line at a time, keeping the line number and byte offset
    of each, so a problem is reported where it is."""

    def __init__(self, handle: Any, first: bytes, loader: _Loader) -> None:
        self.handle, self.loader = handle, loader
        self.number, self.offset = 1, 0
        self.line = first.removeprefix(b"\xef\xbb\xbf")
        self.next_offset = len(first)

    def _advance(self) -> bytes:
        self.offset = self.next_offset
        self.line = self.handle.readline()
        self.next_offset += len(self.line)
        self.number += 1
        return self.line

    def _at(self, number: int | None = None, offset: int | None = None) -> str:
        return f"line {number or self.number} (byte {self.offset if offset is None else offset})"

    def _bad(self, where: str, reason: str) -> _Bad:
        return _Bad(f"{self._at()}: {where}" if where else self._at(), reason)

    def read(self) -> None:
        try:
            header = msgspec.json.decode(self.line.rstrip()[:-1] + b"}", type=schema.Header)
        except msgspec.MsgspecError as error:
            raise self._bad("", _not_json(error)) from None
        self.loader.header(header, f"{self._at()}: ")
        expected = iter(SECTIONS)
        waiting = next(expected, None)
        while True:
            line = self._advance()
            if not line:
                raise self._bad("", "the file ends early: it was cut short (truncated)")
            if line.startswith(b'"%s":' % PREFERENCES.encode()):
                break
            key = self._section_key(line)
            while waiting is not None and waiting.key != key:
                if waiting.required:
                    raise self._bad("", f"missing '{waiting.key}' (found {key!r})")
                self.loader.end(waiting)
                waiting = next(expected, None)
            if waiting is None:
                raise self._bad("", f"unknown or repeated section {key!r}")
            self._records(waiting)
            self.loader.end(waiting)
            waiting = next(expected, None)
        while waiting is not None:
            if waiting.required:
                raise self._bad("", f"missing '{waiting.key}'")
            waiting = next(expected, None)
        body = self.line.rstrip()[len(PREFERENCES) + 3 :]
        try:
            value = msgspec.json.decode(body)
        except msgspec.DecodeError as error:
            raise self._bad(PREFERENCES, _not_json(error)) from None
        try:
            self.loader.preferences(value)
        except _Bad as problem:
            raise _Bad(self._at(), str(problem)) from None
        if self._advance().rstrip() != b"}":
            raise self._bad("", "expected the closing '}' of the document")
        if self._advance().strip():
            raise self._bad("", "text after the end of the document")

    def _section_key(self, line: bytes) -> str:
        if not (line.startswith(b'"') and line.rstrip().endswith(b":[")):
            raise self._bad("", 'expected the start of a section, such as "reviews":[')
        try:
            key: str = msgspec.json.decode(line.rstrip()[:-2], type=str)
        except msgspec.MsgspecError:
            raise self._bad("", "expected a section name") from None
        return key

    def _records(self, section: Section) -> None:
        """The section's record lines up to its closing `]`, decoded a batch at a time.
        A batch is its lines joined as they are (the commas and line ends between records
        are JSON already), so a line costs one read and one test."""
        index = 0
        lines: list[bytes] = []
        readline = self.handle.readline
        batch = BATCH
        start = (self.number + 1, self.next_offset)  # where the batch's first line is
        while True:
            line = readline()
            if line[:1] != b"{":
                break
            lines.append(line)
            if len(lines) == batch:
                self._batch(section, index, lines, start)
                index += batch
                start = (start[0] + batch, start[1] + sum(map(len, lines)))
                lines = []
        self.number, self.offset = start[0] + len(lines), start[1] + sum(map(len, lines))
        self.next_offset = self.offset + len(line)
        self.line = line
        if not line:
            self._batch(section, index, lines, start)  # a record cut in half: its place
            count = index + len(lines)
            after = f" after {section.key}[{count - 1}]" if count else ""
            raise self._bad(
                "", f"the file ends early inside '{section.key}'{after}: it was cut short"
            )
        self._batch(section, index, lines, start, end=True)
        if line.rstrip() != b"],":
            raise self._bad("", f"expected '],' to end '{section.key}'")

    def _batch(
        self,
        section: Section,
        index: int,
        lines: list[bytes],
        start: tuple[int, int],
        end: bool = False,
    ) -> None:
        """Decode and load the records of `lines` (the first `section.key[index]`, at line
        and byte `start`); the section's last batch (`end`) must not end with a comma."""
        if not lines:
            return
        body = b"".join(lines).rstrip()
        if not end:
            body = body.removesuffix(b",")
        kind = section.record
        try:
            if end and body.endswith(b","):
                raise msgspec.DecodeError("a comma after the last record")
            records = msgspec.json.decode(b"[" + body + b"]", type=list[kind])  # type: ignore[valid-type]
        except msgspec.MsgspecError:
            number, offset = start
            for i, line in enumerate(lines):
                text = line.rstrip()
                comma = text.endswith(b",")
                self._one(section, index + i, text.removesuffix(b","), (number, offset))
                if comma == (end and i == len(lines) - 1):
                    need = "no comma" if comma else "a comma"
                    raise _Bad(
                        f"{self._at(number, offset)}: {section.key}[{index + i}]",
                        f"expected {need} after the record",
                    ) from None
                number, offset = number + 1, offset + len(line)
            raise _Bad(self._at(*start), f"{section.key}[{index}...]: not valid JSON") from None
        try:
            self.loader.take(section, index, records)
        except _Bad as problem:
            found = re.match(rf"{section.key}\[(\d+)\]", str(problem))
            at = start
            if found:
                i = int(found[1]) - index
                at = (start[0] + i, start[1] + sum(map(len, lines[:i])))
            raise _Bad(self._at(*at), str(problem)) from None

    def _one(self, section: Section, index: int, line: bytes, at: tuple[int, int]) -> Any:
        where = f"{self._at(*at)}: {section.key}[{index}]"
        try:
            return msgspec.json.decode(line, type=section.record)
        except msgspec.ValidationError as error:
            raise _explain(error, where, line, section.record) from None
        except msgspec.DecodeError as error:
            if "truncated" in str(error):
                raise _Bad(where, "not valid JSON: the record is cut short") from None
            raise _Bad(where, _not_json(error)) from None


# --- writing ---------------------------------------------------------------------------------


def study_data_in(session: Session) -> bool:
    """True when the database holds anything a restore would lose: a review, a drill
    attempt, an imported deck, a suspended card or a preference the learner set."""
    checks = (
        exists().where(Review.id.is_not(None)),
        exists().where(DrillAttempt.id.is_not(None)),
        exists().where(Deck.origin != "bundled"),
        exists().where(Card.suspended.is_(True)),
        exists().where(~Preference.key.startswith("_")),
    )
    return any(session.scalar(select(check)) for check in checks)


def restore_json(
    db: Database,
    restored: Restored,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> Restored:
    """Make the database hold exactly `restored`, in one transaction, checking each record
    as it goes in; `progress` is told (records loaded, records in all so far known) as the
    rows go in. Returns `restored` with its counts. Cards of an older backup, which has no
    `added` days, are dated by their first grade, else `today`.

    Raises ImportProblem (changing nothing) when the document is damaged, or when the
    database holds study data and `replace` is False.
    """
    try:
        _restore(db, restored, replace, progress, today or date.today())
    except _Bad as problem:
        raise ImportProblem(f"{restored.name}: {problem}") from None
    except DBAPIError as error:  # a value the checks let through but this database refuses
        raise ImportProblem(f"the database refused the rows: {error.orig}") from None
    return restored


def _restore(
    db: Database, restored: Restored, replace: bool, progress: Progress | None, today: date
) -> None:
    with _reading_beside(restored, db.engine.dialect.name == "sqlite") as reader:
        tally = Tally(progress, _expected_records(restored))
        with db.write_session() as session, session.begin():
            if not replace and study_data_in(session):
                raise ImportProblem(
                    "the database already holds study data (reviews, drill attempts, imported "
                    "decks, suspensions or preferences); importing a JSON export replaces all "
                    "of it: pass --replace to do so (export it first to keep a copy)"
                )
            connection = session.connection()
            with index_rebuilt_after(connection, whole_table=True) as card_index:
                # Later sections point at earlier ones: emptied last first.
                empty_tables(
                    connection,
                    (*(s.table for s in reversed(SECTIONS)), "daily_totals", "preferences"),
                )
                if reader is not None:
                    restored.counts = reader.load(connection, tally, card_index)
                else:
                    _Loader(connection, tally).load(restored)
                date_undated_cards(connection, today)
            if reader is None:  # the reader's rows were counted into the totals as they came
                totals.rebuild(connection)
            move_id_sequences(connection)  # ids were given: on PostgreSQL, move sequences on
    tally.finish()


# --- a large backup: read and checked in a second process ------------------------------------

READ_BESIDE_FROM = 8 * 1024**2
"""From this size a backup is read and checked in a second process while this one writes the
rows: at a million reviews each half takes seconds, and on two cores or more they overlap
(a smaller file is done before the second process would have started)."""

READ_AHEAD = 64
"""Batches the reader may send ahead of the writer (each 2,000 records, ≈100 KiB)."""

COUNT_EVERY = 100_000
"""Records between two countings of the restored log into the day totals (totals.count_logged)
while the reader reads on: the totals cost no time of their own after the last record."""

_Message = tuple[str, Any, Any, list[tuple[Any, ...]] | None]
"""What the reading process sends: ("rows", table, columns, rows), ("done", counts, None,
None) or ("problem", message, None, None); rows decode as the tuples the driver binds."""


@contextmanager
def _reading_beside(restored: Restored, sqlite: bool) -> Iterator[_Reader | None]:
    """A second process reading and checking a large backup file, started at once (it
    reads while this one counts the records and empties the tables); None when the file is
    small, read from memory, or there is one core."""
    big = restored.path is not None and (os.cpu_count() or 1) > 1
    try:
        big = big and restored.path is not None and restored.path.stat().st_size >= READ_BESIDE_FROM
    except OSError:
        big = False  # the reader in this process says why
    if not big:
        yield None
        return
    assert restored.path is not None
    reader = _Reader(restored.path, sqlite)
    try:
        yield reader
    finally:
        reader.close()


class _Reader:
    """The process reading and checking the backup: the same _Loader, its rows sent here a
    batch at a time (msgpack: a third of pickle's cost for rows of plain values)."""

    def __init__(self, path: Path, sqlite: bool) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_read_and_check,
            args=(str(path), sqlite, send, (BATCH, WHOLE_DOCUMENT_LIMIT)),
            daemon=True,
        )
        self.process.start()
        send.close()  # only the reader writes: this end reads EOF if the reader dies
        self.counted_at = 0
        # A pipe holds 64 KiB, less than one batch: without a queue the reader would wait
        # at every batch the writer is still inserting, and for the whole of the text
        # index's build. A thread takes the messages off the pipe as they come.
        self.ahead: queue.Queue[bytes | None] = queue.Queue(READ_AHEAD)
        self.stopping = False
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        """Move the reader's messages from the pipe to the queue; None at the end."""
        message: bytes | None
        while True:
            try:
                message = self.receive.recv_bytes()
            except (EOFError, OSError):
                message = None
            while not self.stopping:
                try:
                    self.ahead.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if message is None or self.stopping:
                return

    def next_message(self) -> bytes | None:
        """The reader's next message, None when it has stopped sending."""
        return self.ahead.get()

    def load(self, connection: Connection, tally: Tally, card_index: CardIndex) -> dict[str, int]:
        """Insert the rows as they come; returns the counts. A problem the reader finds is
        raised here, where the transaction is, as if found here. The cards come before the
        long review log: their text index is built while the reader reads the log."""
        decode = msgspec.msgpack.Decoder(_Message).decode
        counted = last = 0  # the day totals hold the reviews up to id `counted`
        # One COPY per run of a table's batches on PostgreSQL: ended (its rows in the
        # table) before anything reads them, the text index and the day totals.
        with RowWriter(connection) as writer:
            while True:
                message = self.next_message()
                if message is None:
                    raise _Bad("", "the process reading the backup stopped unexpectedly")
                kind, first, columns, rows = decode(message)
                if kind == "done":
                    writer.end()
                    if last > counted:
                        totals.count_logged(connection, counted, last)
                    counts: dict[str, int] = first
                    return counts
                if kind != "rows" or rows is None:
                    raise _Bad("", str(first))
                if card_index.stale and first not in ("decks", "cards"):
                    writer.end()
                    card_index.rebuild()
                writer.write(first, columns, rows)
                tally.add(len(rows))
                if first == "reviews":
                    last = rows[-1][0]  # ids rise (the reader checked)
                    if tally.done - self.counted_at >= COUNT_EVERY:
                        writer.end()
                        totals.count_logged(connection, counted, last)
                        counted, self.counted_at = last, tally.done

    def close(self) -> None:
        """Stop the reader if it is still running (the writer stopped first: a refused row,
        Ctrl-C; or it is on its way out after saying all): it holds nothing to keep."""
        self.stopping = True
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.pump.join(timeout=5)
        self.receive.close()


def _read_and_check(path: str, sqlite: bool, send: Any, limits: tuple[int, int]) -> None:
    """The second process: the whole backup read and checked, every batch of rows sent on,
    then ("done", counts); or one ("problem", message) where the reading stopped. `limits`
    are the writer's BATCH and WHOLE_DOCUMENT_LIMIT (a spawned process imports its own).

    The writer owns the command: Ctrl-C is its to handle (this process ignores it), and
    when the writer stops early (a refused row, Ctrl-C) it closes the pipe, and this
    process ends without a word at its next send."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global BATCH, WHOLE_DOCUMENT_LIMIT
    BATCH, WHOLE_DOCUMENT_LIMIT = limits
    encode = msgspec.msgpack.Encoder().encode  # rows of plain values: a third of pickle's cost

    def tell(*message: Any) -> None:
        send.send_bytes(encode(message))

    try:
        try:
            loader = _Loader(
                None,
                sink=lambda table, columns, rows: tell("rows", table, columns, rows),
                sqlite=sqlite,
            )
            loader.load(Restored(path=Path(path)))
            tell("done", loader.counts, None, None)
        except _Bad as problem:
            tell("problem", str(problem), None, None)
        except Exception as error:  # told to the writer, which rolls back
            kind = type(error).__name__
            tell("problem", f"the backup could not be read: {kind}: {error}", None, None)
    except (BrokenPipeError, ConnectionResetError):  # the writer has gone: nobody to tell
        pass
    finally:
        send.close()


def _expected_records(restored: Restored) -> int:
    """Roughly how many records the backup holds, for the progress bar: one per line."""
    if restored.document is not None:
        return sum(len(restored.document.get(s.key) or ()) for s in SECTIONS)
    if restored.counts:
        return sum(restored.counts.values())
    assert restored.path is not None
    lines = 0
    with open(restored.path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 2 * len(SECTIONS) - 3, 0)


def import_decks(
    db: Database,
    specs: Iterable[DeckSpec],
    progress: Progress | None = None,
    today: date | None = None,
) -> SyncReport:
    """Add or update several imported decks (an .apkg's) in one transaction: all or nothing.
    `progress` is told (cards written, cards in all) as it goes; new cards are added `today`.

    A deck that already exists keeps its name and description (our own decks come back
    from Anki named by id, as `studyapp::<id>`).
    """
    report = SyncReport()
    specs = list(specs)
    tally = Tally(progress, sum(len(spec.cards) for spec in specs))
    with db.write_session() as session:
        for spec in specs:
            existing = session.get(Deck, spec.id)
            if existing is not None:
                spec = replace(spec, name=existing.name, description=existing.description)
            write_deck(
                session,
                spec,
                "import",
                str(spec.path),
                report,
                retire_missing=False,
                card_written=tally.add,
                today=today,
            )
        if report.errors:
            session.rollback()
        else:
            session.commit()
    tally.finish()
    return report
