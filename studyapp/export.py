"""Taking the collection elsewhere: JSON (everything), CSV (cards + history), Anki .apkg.

Rows are streamed from SQL straight into the writer, so the export's memory stays flat
however long the review history is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import false, func, select

from studyapp.store import Database
from studyapp.store.models import Card, Deck, DrillAttempt, DrillTopic, Preference, Review

SCHEDULE_FIELDS = ("easiness", "repetitions", "interval", "due", "lapses")


FORMAT = "studyapp"
FORMAT_VERSION = 1


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def iso_moment(value: datetime) -> str:
    """A stored moment as ISO 8601 in UTC to the millisecond (the precision it is kept at)."""
    seconds, millis = divmod(round(value.timestamp() * 1000), 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"


def _schedule(item: Any, prefix: str = "") -> dict[str, Any]:
    return {name: _iso(getattr(item, prefix + name)) for name in SCHEDULE_FIELDS}


def export_json(db: Database) -> dict[str, Any]:
    """The whole collection as one JSON-ready object: what `import` needs to restore it exactly.

    PRODUCT.md's `cards`, `topics` and `reviews`, plus `decks`, `drill_attempts` and
    `preferences`, and every column those rows have (positions, suspensions, retired
    cards, last review days, study days of each grade). Moments are UTC to the millisecond,
    days ISO dates, easiness factors numbers such as 2.36.
    """
    with db.session() as session:
        decks = [
            {
                "id": d.id,
                "name": d.name,
                "description": d.description,
                "origin": d.origin,
                "source_path": d.source_path,
                "digest": d.digest,
                "retired": d.retired,
            }
            for d in session.scalars(select(Deck).order_by(Deck.id))
        ]
        cards = [
            {
                "id": c.id,
                "deck": c.deck_id,
                "position": c.position,
                "front": c.front,
                "back": c.back,
                "mnemonic": c.mnemonic,
                "why": c.why,
                "source": c.source,
                "tags": c.tags.split(),
                "suspended": c.suspended,
                "retired": c.retired,
                "schedule": {**_schedule(c), "last_review": _iso(c.last_review)},
            }
            for c in session.scalars(select(Card).order_by(Card.deck_id, Card.position, Card.id))
        ]
        topics = [
            {
                "id": t.id,
                "title": t.title,
                "suspended": t.suspended,
                "schedule": {**_schedule(t), "last_review": _iso(t.last_review)},
            }
            for t in session.scalars(select(DrillTopic).order_by(DrillTopic.id))
        ]
        reviews = [
            {
                "id": r.id,
                "kind": r.kind,
                "item_id": r.item_id,
                "time": iso_moment(r.reviewed_at),
                "day": _iso(r.day),
                "quality": r.quality,
                "duration_ms": r.duration_ms,
                "repeat": r.repeat,
                "before": {**_schedule(r, "prev_"), "last_review": _iso(r.prev_last_review)},
                "after": _schedule(r),
            }
            for r in session.scalars(select(Review).order_by(Review.id))
        ]
        attempts = [
            {
                "id": a.id,
                "topic": a.topic_id,
                "seed": a.seed,
                "difficulty": a.difficulty,
                "inputs": json.loads(a.inputs),
                "expected": json.loads(a.expected),
                "typed": a.typed,
                "outcome": a.outcome,
                "correct": a.correct,
                "hint_used": a.hint_used,
                "time": iso_moment(a.attempted_at),
                "day": _iso(a.day),
                "duration_ms": a.duration_ms,
                "review_id": a.review_id,
            }
            for a in session.scalars(select(DrillAttempt).order_by(DrillAttempt.id))
        ]
        preferences = dict(
            session.execute(select(Preference.key, Preference.value).order_by(Preference.key)).all()
        )
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "decks": decks,
        "cards": cards,
        "topics": topics,
        "reviews": reviews,
        "drill_attempts": attempts,
        "preferences": preferences,
    }


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


# SQLite formats days (stored as ordinals) and moments (epoch ms) itself: streaming a
# million rows through Python type conversion would cost several times more.
_SQLITE_DAY = "date({} + 1721424.5)"
_SQLITE_CARDS = (
    "SELECT id, deck_id, front, back, tags, easiness / 100.0, repetitions, interval, "
    + _SQLITE_DAY.format("due")
    + ", lapses, CASE WHEN suspended THEN 'True' ELSE 'False' END FROM cards "
    "WHERE retired = 0 ORDER BY rowid"  # insertion order, with no sort of 100,000 rows
)


def _raw_rows(db: Database, sql: str) -> Iterator[tuple[Any, ...]]:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.arraysize = 10000
        cursor.execute(sql)
        yield from cursor  # type: ignore[misc]  # a DB-API cursor iterates its rows
    finally:
        raw.close()


def _card_rows(db: Database) -> Iterator[tuple[Any, ...]]:
    if db.engine.dialect.name == "sqlite":
        yield from _raw_rows(db, _SQLITE_CARDS)
        return
    columns = (Card.id, Card.deck_id, Card.front, Card.back, Card.tags)
    schedule = (Card.easiness, Card.repetitions, Card.interval, Card.due, Card.lapses)
    with db.session() as session:
        result = session.execute(
            select(*columns, *schedule, Card.suspended)
            .where(Card.retired == false())
            .order_by(Card.deck_id, Card.position)
            .execution_options(yield_per=5000)
        )
        yield from (tuple(row) for row in result)


_SQLITE_REVIEWS = (
    "SELECT id, kind, item_id, strftime('%Y-%m-%dT%H:%M:%fZ', reviewed_at / 1000.0, 'unixepoch'), "
    "quality, duration_ms, repeat, "
    "prev_easiness / 100.0, prev_repetitions, prev_interval, "
    + _SQLITE_DAY.format("prev_due")
    + ", prev_lapses, easiness / 100.0, repetitions, interval, "
    + _SQLITE_DAY.format("due")
    + ", lapses FROM reviews ORDER BY id"
)


def _review_rows(db: Database) -> Iterator[tuple[Any, ...]]:
    if db.engine.dialect.name == "sqlite":
        yield from _raw_rows(db, _SQLITE_REVIEWS)
        return
    r = Review
    with db.session() as session:
        result = session.execute(
            select(
                r.id, r.kind, r.item_id, r.reviewed_at, r.quality, r.duration_ms, r.repeat,
                r.prev_easiness, r.prev_repetitions, r.prev_interval, r.prev_due, r.prev_lapses,
                r.easiness, r.repetitions, r.interval, r.due, r.lapses,
            )
            .order_by(r.id)
            .execution_options(yield_per=20000)
        )
        yield from (tuple(row) for row in result)


def write_cards_csv(db: Database, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CARD_COLUMNS)
    counted = _Counter(_card_rows(db))
    writer.writerows(counted)
    return counted.count


def write_reviews_csv(db: Database, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    counted = _Counter(_review_rows(db))
    writer.writerows(counted)  # the loop runs in C
    return counted.count


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


def write_apkg(db: Database, path: Path) -> int:
    """An Anki package: one Anki deck per studyapp deck (`studyapp::<deck>`), with each
    card's text, tags and schedule.

    Notes get a GUID derived from the card id, so importing again (into Anki, or back into
    studyapp) updates rather than duplicates. genanki writes the notes; the SM-2 schedule
    (type, queue, interval, EF x 1000, reps, lapses, due day) is then written into the same
    collection before it is zipped: see studyapp.anki_package for the mapping.
    """
    import genanki  # only needed here

    from studyapp.anki_package import STUDYAPP_GUID_NAMESPACE, anki_schedule, scheduled_package

    model = genanki.Model(
        1607392319,
        "studyapp card",
        fields=[{"name": n} for n in ("Front", "Back", "Mnemonic", "Why", "Source", "Id")],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"
                "{{#Mnemonic}}<p><i>{{Mnemonic}}</i></p>{{/Mnemonic}}"
                "{{#Why}}<p>{{Why}}</p>{{/Why}}"
                "{{#Source}}<p><small>{{Source}}</small></p>{{/Source}}",
            }
        ],
    )
    decks: dict[str, Any] = {}
    schedules = []
    count = 0
    with db.session() as session:
        logged = dict(
            session.execute(
                select(Review.item_id, func.count()).where(Review.kind == "card").group_by(Review.item_id)
            ).all()
        )
        query = select(Card).where(Card.retired == false()).order_by(Card.position, Card.id)
        for card in session.scalars(query):
            deck = decks.get(card.deck_id)
            if deck is None:
                deck = genanki.Deck(_stable_int(card.deck_id), f"studyapp::{card.deck_id}")
                decks[card.deck_id] = deck
            guid = genanki.guid_for(STUDYAPP_GUID_NAMESPACE, card.id)
            note = genanki.Note(
                model=model,
                fields=[
                    _html(card.front),
                    _html(card.back),
                    _html(card.mnemonic or ""),
                    _html(card.why or ""),
                    card.source or "",
                    card.id,
                ],
                tags=[t.replace(" ", "_") for t in card.tags.split()],
                guid=guid,
            )
            deck.add_note(note)
            count += 1
            schedules.append(
                anki_schedule(
                    guid,
                    easiness=card.easiness,
                    repetitions=card.repetitions,
                    interval=card.interval,
                    due=card.due,
                    lapses=card.lapses,
                    suspended=card.suspended,
                    position=count,
                    logged=logged.get(card.id, 0),
                )
            )
    scheduled_package(list(decks.values()), schedules).write_to_file(str(path))
    return count


def _stable_int(text: str) -> int:
    import zlib

    return 1 << 30 | zlib.crc32(text.encode())


def _html(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")
