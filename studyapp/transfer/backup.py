"""Writing the JSON backup (`studyapp export --format json`), streamed.

The document is the one JSON object docs/formats.md describes, laid out one record per
line inside its arrays:

    {"format":"studyapp","version":1,
    "decks":[
    {"id":"basics",...},
    {"id":"extra",...}
    ],
    "cards":[
    ...
    ],
    "preferences":{...}
    }

so `json.load` reads it whole, and restore.py reads it a line at a time. Rows are read
from the database in their stored form a batch at a time (store/bulk.py), turned into the
Structs of backup_schema.py and encoded by msgspec a batch at a time: memory holds one
batch, however long the review history.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import IO, Any

import msgspec
from sqlalchemy import Connection, func, select

from studyapp.config import stored_preferences
from studyapp.decks.freshness import DRILL_FINGERPRINT_KEY
from studyapp.schedulers import fsrs
from studyapp.store import Database
from studyapp.store.bulk import read_table
from studyapp.store.json_lines import Field, write_sqlite_records
from studyapp.store.pg_lines import prepare as prepare_server
from studyapp.store.pg_lines import write_postgres_records
from studyapp.store.rows import MISTAKE_COLUMNS
from studyapp.store.schema import FSRS_COLUMNS, metadata
from studyapp.store.statements import ATTEMPT_COLUMNS
from studyapp.transfer import backup_schema as schema
from studyapp.transfer.backup_schema import (
    FORMAT,
    FORMAT_VERSION,
    PREFERENCES,
    SECTIONS,
    field_kinds,
)
from studyapp.transfer.files import Progress, Tally

BATCH = 5000
SM2 = ("easiness", "repetitions", "interval", "due", "lapses")


class _Days(dict[Any, Any]):
    """Stored days (ordinals) to dates, each made once: a log of a million rows spans a
    few thousand days."""

    def __missing__(self, value: int | None) -> date | None:
        day = None if value is None else date.fromordinal(value)
        self[value] = day
        return day


class _Moments:
    """Stored moments (epoch milliseconds) as ISO 8601 in UTC to the millisecond, the date
    part of each day made once."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, millis: int) -> str:
        seconds, part = divmod(millis, 1000)
        day, second = divmod(seconds, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        hours, second = divmod(second, 3600)
        minutes, second = divmod(second, 60)
        return f"{text}T{hours:02d}:{minutes:02d}:{second:02d}.{part:03d}Z"


_days = _Days()
moment_text = _Moments()


def _day(value: Any) -> date | None:
    return _days[value]  # type: ignore[no-any-return]


def _schedule(row: Sequence[Any], at: int) -> schema.Schedule:
    """Six stored SM-2 columns from `at` (SM2 order, then last_review)."""
    ease, reps, interval, due, lapses, last = row[at : at + 6]
    return schema.Schedule(ease / 100, reps, interval, _day(due), lapses, _day(last))


def _memory(row: Sequence[Any], at: int) -> schema.Memory | None:
    """Three stored FSRS columns from `at` (store/schema.py FSRS_COLUMNS): None until FSRS
    was chosen, and for an item never reviewed."""
    stability, difficulty, due = row[at : at + 3]
    if stability is None or difficulty is None or due is None:
        return None
    return schema.Memory(stability, difficulty, _days[due])


def _deck(row: Sequence[Any]) -> schema.Deck:
    deck_id, name, description, origin, source_path, digest, retired = row
    return schema.Deck(deck_id, name, description, origin, source_path, digest, bool(retired))


def _card(row: Sequence[Any]) -> schema.Card:
    return schema.Card(
        id=row[0],
        deck=row[1],
        position=row[2],
        front=row[3],
        back=row[4],
        mnemonic=row[5],
        why=row[6],
        source=row[7],
        tags=row[8].split(),
        suspended=bool(row[9]),
        retired=bool(row[10]),
        note_id=row[11],
        template=row[12],
        ordinal=row[13],
        anki_guid=row[14],
        schedule=_schedule(row, 15),
        added=_day(row[21]),
        fsrs=_memory(row, 22),
    )


def _topic(row: Sequence[Any]) -> schema.Topic:
    return schema.Topic(row[0], _schedule(row, 4), row[1], bool(row[2]), row[3], _memory(row, 10))


_Schedule, _After, _Review = schema.Schedule, schema.After, schema.Review


def _review(row: Sequence[Any]) -> schema.Review:
    (rid, kind, item, at, day, quality, ms, repeat, pe, pr, pi, pd, pl, plr, e, r, i, d, lp) = row[
        :19
    ]
    days = _days
    return _Review(
        rid,
        kind,
        item,
        moment_text(at),
        days[day],
        quality,
        ms,
        bool(repeat),
        _Schedule(pe / 100, pr, pi, days[pd], pl, days[plr]),
        _After(e / 100, r, i, days[d], lp),
        bool(row[19]),
        bool(row[20]),
        row[21],
    )


def _mistake(values: dict[str, Any]) -> schema.Misconception:
    return schema.Misconception(
        id=values["id"],
        topic=values["topic_id"],
        seen=values["seen"],
        first_seen=_days[values["first_seen"]],
        last_seen=_days[values["last_seen"]],
        avoided_run=values["avoided_run"],
        status=values["status"],
        due=_day(values["due"]),
        last_attempt=values["last_attempt"],
    )


def _attempt(row: Sequence[Any]) -> schema.Attempt:
    saved = json.loads(row[16]) if row[16] else None
    return schema.Attempt(
        id=row[0],
        topic=row[1],
        seed=row[2],
        difficulty=row[3],
        inputs=msgspec.Raw(row[4].encode()),
        expected=msgspec.Raw(row[5].encode()),
        typed=row[6],
        outcome=row[7],
        correct=bool(row[8]),
        hint_used=bool(row[9]),
        time=moment_text(row[10]),
        day=_days[row[11]],
        duration_ms=row[12],
        review_id=row[13],
        level_move=row[14],
        slips=json.loads(row[15]),
        mistakes_before=None
        if not saved
        else {
            key: None if value is None else _mistake({n: value[n] for n in MISTAKE_COLUMNS})
            for key, value in saved.items()
        },
    )


def _misconception(row: Sequence[Any]) -> schema.Misconception:
    return _mistake(dict(zip(MISTAKE_COLUMNS, row, strict=True)))


SCHEDULE_COLUMNS = (*SM2, "last_review")
_SECTION = {section.key: section for section in SECTIONS}


def generic_reader(
    record: type[msgspec.Struct],
) -> tuple[tuple[str, ...], Callable[[Sequence[Any]], msgspec.Struct]]:
    """A section whose Struct names its table's columns one for one needs no reader of its
    own: its columns are the Struct's fields, a `date` field's stored ordinal becomes a
    date, a `bool` field's stored 0/1 a bool."""
    kinds = field_kinds(record)
    names = tuple(kinds)

    def make(row: Sequence[Any]) -> msgspec.Struct:
        values = {}
        for (name, kind), value in zip(kinds.items(), row, strict=True):
            if kind == "day":
                value = _days[value]
            elif kind == "bool" and value is not None:
                value = bool(value)
            values[name] = value
        return record(**values)

    return names, make


READERS: dict[str, tuple[tuple[str, ...], Callable[[Sequence[Any]], msgspec.Struct]]] = {
    "decks": (
        ("id", "name", "description", "origin", "source_path", "digest", "retired"),
        _deck,
    ),
    "cards": (
        (
            "id",
            "deck_id",
            "position",
            "front",
            "back",
            "mnemonic",
            "why",
            "source",
            "tags",
            "suspended",
            "retired",
            "note_id",
            "template",
            "ordinal",
            "anki_guid",
            *SCHEDULE_COLUMNS,
            "added",
            *FSRS_COLUMNS,
        ),
        _card,
    ),
    "topics": (("id", "title", "suspended", "level", *SCHEDULE_COLUMNS, *FSRS_COLUMNS), _topic),
    "reviews": (
        (
            "id",
            "kind",
            "item_id",
            "reviewed_at",
            "day",
            "quality",
            "duration_ms",
            "repeat",
            *(f"prev_{name}" for name in SCHEDULE_COLUMNS),
            *SM2,
            "imported",
            "cram",
            "leech",
        ),
        _review,
    ),
    "drill_attempts": (
        ("id", *ATTEMPT_COLUMNS),
        _attempt,
    ),
    "misconceptions": (MISTAKE_COLUMNS, _misconception),
}
"""Each section's stored columns and how a row of them becomes its Struct, where they are
not the Struct's fields one for one (generic_reader serves the others)."""


def _fields(
    struct: type[msgspec.Struct], columns: dict[str, tuple[str | list[Field], str]]
) -> list[Field]:
    """A Struct's fields, in its order, as the SQLite record builder takes them: each
    field's stored column (or nested fields) and kind. Every field must be given one."""
    names = [f.name for f in msgspec.structs.fields(struct)]
    if set(names) != set(columns):
        raise TypeError(f"{struct.__name__}: fields {names} but columns for {list(columns)}")
    return [(name, columns[name][0], columns[name][1]) for name in names]


def _schedule_fields(struct: type[msgspec.Struct], prefix: str) -> list[Field]:
    columns: dict[str, tuple[str | list[Field], str]] = {
        name: (prefix + name, "int") for name in ("repetitions", "interval", "lapses")
    }
    columns |= {"easiness": (prefix + "easiness", "ease"), "due": (prefix + "due", "day")}
    if struct is schema.Schedule:
        columns["last_review"] = (prefix + "last_review", "day")
    return _fields(struct, columns)


SQLITE_RECORDS: dict[str, list[Field]] = {
    "reviews": _fields(
        schema.Review,
        {
            "id": ("id", "int"),
            "kind": ("kind", "text"),
            "item_id": ("item_id", "text"),
            "time": ("reviewed_at", "moment"),
            "day": ("day", "day"),
            "quality": ("quality", "int"),
            "duration_ms": ("duration_ms", "int"),
            "repeat": ("repeat", "bool"),
            "before": (_schedule_fields(schema.Schedule, "prev_"), "object"),
            "after": (_schedule_fields(schema.After, ""), "object"),
            "imported": ("imported", "bool"),
            "cram": ("cram", "bool"),
            "leech": ("leech", "int"),
        },
    ),
}
"""The sections the database writes itself (store/json_lines.py on SQLite,
store/pg_lines.py on PostgreSQL): the long ones. Each record is the section's Struct,
field for field; tests/test_backup_stream.py and tests/test_export_postgres.py check that
the writers give the same document."""


def write_backup(
    db: Database,
    out: IO[bytes],
    progress: Progress | None = None,
    *,
    sqlite_records: bool = True,
) -> dict[str, int]:
    """Write the whole collection to `out` as the backup document, from one snapshot of the
    database; returns how many records each section has. `progress` is told (records
    written, records in all) as it goes. On SQLite and PostgreSQL the long sections'
    records are built by the database (SQLITE_RECORDS) unless `sqlite_records` is False."""
    encoder = msgspec.json.Encoder()
    written: dict[str, int] = {}
    server = db.engine.dialect.name == "postgresql"
    with _snapshot(db) as connection, connection.begin():
        if server:
            prepare_server(connection)
        tally = Tally(progress, sum(_count(connection, s.table) for s in SECTIONS))
        out.write(b'{"format":"%s","version":%d,\n' % (FORMAT.encode(), FORMAT_VERSION))
        for section in SECTIONS:
            out.write(encoder.encode(section.key) + b":[\n")
            count = 0
            fields = SQLITE_RECORDS.get(section.key) if sqlite_records else None
            if fields is not None and connection.dialect.name == "sqlite":
                count = write_sqlite_records(connection, section.table, fields, out, tally.add)
            elif fields is not None and server:
                count = write_postgres_records(connection, section.table, fields, out, tally.add)
            else:
                for records in _records(connection, section.key, section.table):
                    if count:
                        out.write(b",\n")
                    out.write(encoder.encode_lines(records)[:-1].replace(b"\n", b",\n"))
                    count += len(records)
                    tally.add(len(records))
            out.write(b"\n],\n" if count else b"],\n")
            written[section.key] = count
        out.write(b'"%s":' % PREFERENCES.encode() + encoder.encode(_preferences(connection)))
        out.write(b"\n}\n")
    tally.finish()
    return written


def _snapshot(db: Database) -> Connection:
    """A connection whose transaction reads one snapshot: SQLite's always does; on
    PostgreSQL the default (READ COMMITTED) gives each statement its own."""
    connection = db.engine.connect()
    if db.engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _records(connection: Connection, key: str, table: str) -> Iterator[list[msgspec.Struct]]:
    columns, make = READERS[key] if key in READERS else generic_reader(_SECTION[key].record)
    for rows in read_table(connection, table, columns, BATCH):
        yield [make(row) for row in rows]


def _count(connection: Connection, table: str) -> int:
    return int(connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)


def _preferences(connection: Connection) -> dict[str, str]:
    """The stored preferences. A value the app cannot use (an older version's, or typed
    into the table) is left out, as it is at start: the default applies, and the backup
    restores."""
    table = metadata.tables["preferences"]
    stored = [
        (str(key), str(value))
        for key, value in connection.execute(
            select(table.c.key, table.c.value).order_by(table.c.key)
        )
    ]
    usable, _problems = stored_preferences((key, value) for key, value in stored)
    return {
        key: str(usable[key]) if key in usable else value
        for key, value in stored
        if key in usable or key == DRILL_FINGERPRINT_KEY
    } | fsrs_bookkeeping(stored)


def fsrs_bookkeeping(stored: Sequence[tuple[str, str]]) -> dict[str, str]:
    """What the collection keeps of FSRS beside the items' states: that they are kept, and
    the weights fitted to the learner with when and on how many grades (only when usable,
    as `fitted_on` reads them); restore.py takes them back."""
    values = dict(stored)
    kept = {fsrs.TRACKED_KEY: "1"} if values.get(fsrs.TRACKED_KEY) == "1" else {}
    if fsrs.fitted_on(stored) is not None:
        kept |= {key: values[key] for key in (fsrs.PARAMETERS_KEY, fsrs.FITTED_KEY)}
    return kept


def export_json(db: Database, progress: Progress | None = None) -> dict[str, Any]:
    """The backup document as one object, for scripts and tests on small collections: it
    holds the whole collection in memory (write_backup streams it)."""
    buffer = io.BytesIO()
    write_backup(db, buffer, progress)
    document: dict[str, Any] = json.loads(buffer.getvalue())
    return document
