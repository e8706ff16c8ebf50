"""Taking the collection elsewhere: CSV (cards + history), Anki .apkg (the JSON backup is
backup.py's).

Rows are streamed from SQL straight into the writer, so the export's memory stays flat
however long the review history is.
"""

from __future__ import annotations

import csv
import gc
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from sqlalchemy import BigInteger, Select, false, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from studyapp.store import Database, csv_lines, pg_lines
from studyapp.store.bulk import read_table
from studyapp.store.models import (
    Card,
    Deck,
    Review,
)
from studyapp.transfer.files import (
    PROGRESS_EVERY,
    Progress,
    Tally,
)

_T = TypeVar("_T")

SCHEDULE_FIELDS = ("easiness", "repetitions", "interval", "due", "lapses")


CARD_COLUMNS = ("id", "deck", "front", "back", "tags", *SCHEDULE_FIELDS, "suspended")
REVIEW_COLUMNS = (
    "id",
    "kind",
    "item_id",
    "time",
    "quality",
    "duration_ms",
    "repeat",
    *(f"before_{name}" for name in SCHEDULE_FIELDS),
    *(f"after_{name}" for name in SCHEDULE_FIELDS),
)


def write_cards_csv(db: Database, out: IO[str], progress: Progress | None = None) -> int:
    """Every card that is not retired, one CSV line each; returns how many. `progress` is
    told (lines done, lines in all) as they are written."""
    with db.session() as session:
        tally = Tally(progress, _count(session, Card, Card.retired == false()))
    if _is_sqlite(db):
        written = csv_lines.write_sqlite_csv(db, out, CARD_COLUMNS, "cards", tally.add)
    elif _is_postgresql(db):
        written = _write_server_csv(db, out, CARD_COLUMNS, "cards", tally)
    else:
        written = _write_rows_csv(out, CARD_COLUMNS, tally.each(_card_rows(db)))
    tally.finish()
    return written


def write_reviews_csv(db: Database, out: IO[str], progress: Progress | None = None) -> int:
    """The whole review log, oldest first, one CSV line each; returns how many. `progress`
    is told (lines done, lines in all) as they are written."""
    with db.session() as session:
        tally = Tally(progress, _count(session, Review))
    if _is_sqlite(db):
        written = csv_lines.write_sqlite_csv(db, out, REVIEW_COLUMNS, "reviews", tally.add)
    elif _is_postgresql(db):
        written = _write_server_csv(db, out, REVIEW_COLUMNS, "reviews", tally)
    else:
        written = _write_rows_csv(out, REVIEW_COLUMNS, tally.each(_review_rows(db)))
    tally.finish()
    return written


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _is_sqlite(db: Database) -> bool:
    return bool(db.engine.dialect.name == "sqlite")


def _is_postgresql(db: Database) -> bool:
    return bool(db.engine.dialect.name == "postgresql")


def _write_server_csv(
    db: Database, out: IO[str], columns: tuple[str, ...], table: str, tally: Tally
) -> int:
    """The header, then the lines PostgreSQL builds (store/pg_lines.py), read in one
    REPEATABLE READ transaction: the file is one snapshot however many chunks it takes."""
    csv.writer(out, lineterminator="\n").writerow(columns)
    with (
        db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
        connection.begin(),
    ):
        pg_lines.prepare(connection)
        return pg_lines.write_postgres_csv(connection, out, table, tally.add)


# --- CSV elsewhere: rows through the csv module ---------------------------------------------
# (also the reference the SQLite and PostgreSQL lines are checked against)


def _write_rows_csv(out: IO[str], columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    counted = _Counter(rows)
    writer.writerows(counted)  # the loop runs in C
    return counted.count


def _card_rows(db: Database) -> Iterator[tuple[Any, ...]]:
    columns = (Card.id, Card.deck_id, Card.front, Card.back, Card.tags)
    schedule = (Card.easiness, Card.repetitions, Card.interval, Card.due, Card.lapses)
    with db.session() as session:
        result = session.execute(
            select(*columns, *schedule, Card.suspended)
            .where(Card.retired == false())
            .order_by(Card.deck_id, Card.position, Card.id)
            .execution_options(yield_per=5000)
        )
        yield from (tuple(row) for row in result)


def _review_rows(db: Database) -> Iterator[tuple[Any, ...]]:
    r = Review
    with db.session() as session:
        result = session.execute(
            select(
                r.id,
                r.kind,
                r.item_id,
                type_coerce(r.reviewed_at, BigInteger),  # stored milliseconds
                r.quality,
                r.duration_ms,
                r.repeat,
                r.prev_easiness,
                r.prev_repetitions,
                r.prev_interval,
                r.prev_due,
                r.prev_lapses,
                r.easiness,
                r.repetitions,
                r.interval,
                r.due,
                r.lapses,
            )
            .order_by(r.id)
            .execution_options(yield_per=20000)
        )
        for row in result:
            yield (*row[:3], _moment_text(row[3]), *row[4:])


def _moment_text(millis: int) -> str:
    """A stored moment (epoch milliseconds) as the SQLite and PostgreSQL exports write it:
    ISO 8601 in UTC to the millisecond, with a Z (2026-03-10T12:00:00.123Z). Integer
    arithmetic: a datetime made from milliseconds / 1000 is a millisecond out far from
    1970."""
    seconds, part = divmod(millis, 1000)
    day, second = divmod(seconds, 86400)
    iso = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
    minutes, second = divmod(second, 60)
    return f"{iso}T{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}.{part:03d}Z"


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class _Counter:
    """Counts the rows an iterator yields while the csv module consumes it."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self.rows:
            self.count += 1
            yield row


def reviews_path_for(cards_path: Path) -> Path:
    """Where the review history goes beside a cards CSV: `cards.csv` -> `cards.reviews.csv`."""
    return cards_path.with_name(cards_path.stem + ".reviews" + (cards_path.suffix or ".csv"))


def write_apkg(
    db: Database, path: Path, rollover_hour: int = 4, progress: Progress | None = None
) -> int:
    """An Anki package: one Anki deck per studyapp deck (`studyapp::<deck>`), with each
    card's text, tags and schedule, the review log of its cards, and the learner's day
    rollover (so Anki counts due days from the same study day in any time zone).
    `progress` is told (rows done, rows in all): the cards as their notes are made, then
    the grades of the review log as they are written.

    Notes get a GUID derived from the card id (a note that came from Anki keeps its own,
    and its deck its Anki name), so importing again (into Anki, or back into studyapp)
    updates rather than duplicates. genanki makes the notes and their rows; the
    SM-2 schedule (type, queue, interval, EF x 1000, reps, lapses, due day) is put into the
    card rows as they are written, and every logged grade becomes a `revlog` row: see
    studyapp.transfer.anki for the mapping.
    """
    from studyapp.transfer.anki import scheduled_package

    logged = 0
    if progress is not None:  # the bar runs over the cards, then over the review log
        with db.session() as session:
            logged = _count(session, Review, Review.kind == "card")
    with _collector_paused():
        decks, schedules, keys = _apkg_decks(db, progress, logged)
        tally = Tally(progress, len(schedules) + logged)
        tally.add(len(schedules))
        reviews = _apkg_reviews(db, keys, tally)
        scheduled_package(decks, schedules, reviews, rollover_hour).write_to_file(str(path))
    if progress is not None:
        progress(tally.total, tally.total)  # a review of a retired card is not written
    return len(schedules)


APKG_REVIEW_COLUMNS = (
    "item_id",
    "reviewed_at",
    "quality",
    "interval",
    "prev_interval",
    "easiness",
    "duration_ms",
    "repeat",
    "prev_due",
    "prev_repetitions",
    "prev_lapses",
)


def _apkg_reviews(
    db: Database, keys: dict[str, tuple[str, int]], tally: Tally | None = None
) -> Iterator[Any]:
    """Every logged grade of a card in the package, oldest first, as an AnkiReview; read
    while the package is written, a batch at a time, in the stored form (epoch
    milliseconds, easiness in hundredths, flags as 0/1): a million rows turned into Python
    datetimes and back cost more than writing them. `tally` counts each batch read."""
    from studyapp.transfer.anki import AnkiReview, anki_ease, revlog_type

    ease = [anki_ease(quality) for quality in range(6)]
    kinds = {
        (first, repeat, unlearned, lapsed): revlog_type(
            first_sight=first,
            repeat=repeat,
            repetitions_before=0 if unlearned else 1,
            lapsed=lapsed,
        )
        for first, repeat, unlearned, lapsed in itertools.product((False, True), repeat=4)
    }  # revlog_type's answer for each of the sixteen cases, looked up per row
    with db.engine.connect() as connection:
        cards_only = Review.kind == "card"
        for rows in read_table(connection, "reviews", APKG_REVIEW_COLUMNS, 20_000, cards_only):
            for item, millis, quality, ivl, last, hundredths, ms, repeat, new, reps, lapses in rows:
                key = keys.get(item)
                if key is None:
                    continue
                yield AnkiReview(
                    key[0], key[1], millis, ease[quality], ivl, last, hundredths * 10, ms,
                    kinds[(new is None, repeat == 1, reps == 0, lapses > 0)],
                )  # fmt: skip
            if tally is not None:
                tally.add(len(rows))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector: 100,000 notes are millions of objects, and
    its repeated passes over them while they are made cost over a second. Whatever it
    would have freed is freed when it runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _apkg_decks(
    db: Database, progress: Progress | None = None, grades: int = 0
) -> tuple[list[Any], list[Any], dict[str, tuple[str, int]]]:
    """One genanki deck per studyapp deck holding its cards' notes, every card's schedule
    in Anki's terms (in the order the notes were made), and each card's (note guid, card
    number) in the package.

    A card that is its own note goes out as a "studyapp card" note; a reversed pair as one
    "studyapp card (and reversed)" note whose second card is the reverse; the gaps of a
    cloze as one "studyapp cloze" note (Anki's cloze kind), card n - 1 for gap n. Each
    card keeps its own schedule. `progress` is told (cards done, cards + `grades`)."""
    import genanki  # only needed here

    from studyapp.transfer.anki import (
        STUDYAPP_DECK_PREFIX,
        STUDYAPP_GUID_NAMESPACE,
        anki_schedule,
    )

    models = {kind: _apkg_model(kind) for kind in ("basic", "reversed", "cloze")}
    decks: dict[str, Any] = {}
    notes: dict[str, _OutNote] = {}  # note id (or card id) -> the note, in card order
    cards: list[tuple[Any, ...]] = []
    counting = _Background(db, _logged_card_grades)
    with db.session() as session:
        total = 0
        if progress is not None:  # the cards are made first, then the package is written
            cards_in_all = session.scalar(select(func.count()).where(Card.retired == false()))
            total = (cards_in_all or 0) + grades
        for row in session.execute(_apkg_card_query()):
            if progress is not None and len(cards) % PROGRESS_EVERY == 0:
                progress(len(cards), total)
            card_id, deck_id, front, back, mnemonic, why, source, tags = row[:8]
            note_id, template, ordinal, anki_guid = row[14:18]
            key = note_id or card_id
            note = notes.get(key)
            if note is None:
                kind = "cloze" if template == "cloze" else "reversed" if note_id else "basic"
                # A note that came from Anki goes back under its own GUID, so Anki updates
                # it in place; our own notes get one derived from their id.
                guid = anki_guid or genanki.guid_for(STUDYAPP_GUID_NAMESPACE, key)
                note = notes[key] = _OutNote(key, deck_id, kind, tags, guid)
            if template == "cloze":
                note.fields = [front, back, mnemonic or "", why or "", source or ""]
                card_ord = (ordinal or 1) - 1
            elif template == "reverse":
                note.fields = note.fields or [back, front, mnemonic or "", why or "", source or ""]
                card_ord = 1
            else:
                note.fields = [front, back, mnemonic or "", why or "", source or ""]
                card_ord = 0
            note.ords.append(card_ord)
            cards.append((card_id, note.guid, card_ord, *row[8:14]))
        anki_names = _anki_deck_names(session)
    for note in notes.values():
        deck = decks.get(note.deck_id)
        if deck is None:
            name = anki_names.get(note.deck_id, f"{STUDYAPP_DECK_PREFIX}{note.deck_id}")
            # Anki's own "Default" deck has id 1: another id under that name is renamed
            # "Default_" by Anki's importer.
            anki_id = ANKI_DEFAULT_DECK_ID if name == "Default" else _stable_int(note.deck_id)
            deck = decks[note.deck_id] = genanki.Deck(anki_id, name)
        text, back, mnemonic, why, source = note.fields
        fields = [_html(text), _html(back), _html(mnemonic), _html(why), source, note.key]
        tag_list = [t.replace(" ", "_") for t in note.tags.split()]
        out = genanki.Note(model=models[note.kind], fields=fields, tags=tag_list, guid=note.guid)
        if note.kind == "cloze":
            # One card per gap we hold: genanki's own count misses a gap nested in another
            # ({{c3::... {{c4::...}}}}), and Anki would then import that card nowhere.
            out.cards = [genanki.Card(card_ord) for card_ord in sorted(set(note.ords))]
        deck.add_note(out)
    logged: dict[str, int] = counting.result()
    schedules = [
        anki_schedule(
            guid,
            easiness=easiness,
            repetitions=repetitions,
            interval=interval,
            due=due,
            lapses=lapses,
            suspended=suspended,
            position=position,
            logged=logged.get(card_id, 0),
            ord=card_ord,
        )
        for position, (
            card_id,
            guid,
            card_ord,
            easiness,
            repetitions,
            interval,
            due,
            lapses,
            suspended,
        ) in enumerate(cards, start=1)
    ]
    keys = {card_id: (guid, card_ord) for card_id, guid, card_ord, *_ in cards}
    return list(decks.values()), schedules, keys


def _anki_deck_names(session: Session) -> dict[str, str]:
    """Decks that came from an Anki package go back under their Anki name
    ("Physics::Waves"), so Anki files their cards where they were; a name that clashed
    with a bundled deck drops the suffix the import gave it (in Anki ours are under
    studyapp::, no clash). A deck named by its id came in as studyapp::<id> and keeps it."""
    from studyapp.transfer.anki_import import CLASH_SUFFIX

    rows = session.execute(
        select(Deck.id, Deck.name).where(Deck.origin == "import", Deck.source_path.like("%pkg"))
    )
    return {deck_id: name.removesuffix(CLASH_SUFFIX) for deck_id, name in rows if name != deck_id}


ANKI_DEFAULT_DECK_ID = 1


@dataclass
class _OutNote:
    """One Anki note of the package: its cards' shared text, deck, tags and kind."""

    key: str
    deck_id: str
    kind: str  # basic | reversed | cloze
    tags: str
    guid: str
    fields: list[str] = field(default_factory=list)
    ords: list[int] = field(
        default_factory=list
    )  # the card numbers it has here  # text, back, mnemonic, why, source


FIELDS = ("Front", "Back", "Mnemonic", "Why", "Source", "Id")
EXTRAS = (
    "{{#Mnemonic}}<p><i>{{Mnemonic}}</i></p>{{/Mnemonic}}"
    "{{#Why}}<p>{{Why}}</p>{{/Why}}"
    "{{#Source}}<p><small>{{Source}}</small></p>{{/Source}}"
)


def _apkg_model(kind: str = "basic") -> Any:
    """Our note types: the original one (its id unchanged, so earlier exports still
    match), one with a reverse card, and a cloze type."""
    import genanki

    if kind == "cloze":
        return genanki.Model(
            1607392321,
            "studyapp cloze",
            fields=[{"name": n} for n in ("Text", "Back Extra", *FIELDS[2:])],
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{Back Extra}}" + EXTRAS,
                }
            ],
            model_type=genanki.Model.CLOZE,
        )
    forward = {
        "name": "Card 1",
        "qfmt": "{{Front}}",
        "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + EXTRAS,
    }
    if kind == "basic":
        return genanki.Model(
            1607392319, "studyapp card", fields=[{"name": n} for n in FIELDS], templates=[forward]
        )
    backward = {
        "name": "Card 2",
        "qfmt": "{{Back}}",
        "afmt": "{{FrontSide}}<hr id=answer>{{Front}}" + EXTRAS,
    }
    return genanki.Model(
        1607392320,
        "studyapp card (and reversed)",
        fields=[{"name": n} for n in FIELDS],
        templates=[forward, backward],
    )


class _Background(Generic[_T]):
    """A read run in another thread, on its own connection, while this one builds notes:
    SQLite leaves Python free while it works. An in-memory database has a single shared
    connection, so there the read runs here, when its result is asked for."""

    def __init__(self, db: Database, read: Callable[[Session], _T]) -> None:
        self.db, self.read = db, read
        self.value: list[_T] = []
        self.error: list[BaseException] = []
        self.thread: threading.Thread | None = None
        if not isinstance(db.engine.pool, StaticPool):
            self.thread = threading.Thread(target=self._run, name="studyapp-export", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            with self.db.session() as session:
                self.value.append(self.read(session))
        except BaseException as error:  # handed to the caller by result()
            self.error.append(error)

    def result(self) -> _T:
        if self.thread is None:
            self._run()
        else:
            self.thread.join()
        if self.error:
            raise self.error[0]
        return self.value[0]


def _logged_card_grades(session: Session) -> dict[str, int]:
    """How many grades each card has in the review log. On SQLite as one JSON row: run in
    another thread, a row at a time would wait for the interpreter lock at every row."""
    grouped = (
        select(Review.item_id.label("item"), func.count().label("grades"))
        .where(Review.kind == "card")
        .group_by(Review.item_id)
        .subquery()
    )
    if session.get_bind().dialect.name == "sqlite":
        text = session.execute(select(func.json_group_object(grouped.c.item, grouped.c.grades)))
        return dict(json.loads(text.scalar_one()))
    return {item: grades for item, grades in session.execute(select(grouped))}


def _apkg_card_query() -> Select[*tuple[Any, ...]]:
    """The columns a package needs, as plain rows: building 100,000 ORM objects (or even
    reading named attributes off 100,000 rows) costs more than writing the package."""
    c = Card
    return (
        select(
            c.id,
            c.deck_id,
            c.front,
            c.back,
            c.mnemonic,
            c.why,
            c.source,
            c.tags,
            c.easiness,
            c.repetitions,
            c.interval,
            c.due,
            c.lapses,
            c.suspended,
            c.note_id,
            c.template,
            c.ordinal,
            c.anki_guid,
        )
        .where(c.retired == false())
        .order_by(c.position, c.id)
    )


def _stable_int(text: str) -> int:
    import zlib

    return 1 << 30 | zlib.crc32(text.encode())


def _html(text: str) -> str:
    return escape(text).replace("\n", "<br>")
