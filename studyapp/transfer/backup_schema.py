"""The JSON backup's records, defined once as msgspec Structs (docs/formats.md, "Backup").

`studyapp export --format json` encodes these Structs and `studyapp import` decodes them:
msgspec checks every field's type and range in C while it decodes, and names the field
that is wrong. What a type cannot say (an id's spelling, a deck a card points at, a review
that does not follow from the one before) restore.py checks after decoding.

A new table in the backup is one Struct here and one entry in SECTIONS: the writer
(backup.py) and the reader (restore.py) walk SECTIONS in order, and a Struct whose fields
are its table's columns (days as `date`) is read, checked (text, a repeated `id`) and
restored field for field with no more code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import msgspec
import msgspec.inspect
from msgspec import Meta

from studyapp.schedulers.fsrs import MAX_DIFFICULTY, MIN_DIFFICULTY, MIN_STABILITY

FORMAT = "studyapp"
FORMAT_VERSION = 1

MAX_INT = 2**63 - 1  # BigInteger columns (drill seeds)
MAX_INT32 = 2**31 - 1  # Integer columns: PostgreSQL's are 32-bit
MAX_ORDINAL = 2**15 - 1  # SmallInteger
MAX_TEXT = 10**6

Count = Annotated[int, Meta(ge=0, le=10**6)]
RowId = Annotated[int, Meta(ge=1, le=MAX_INT32)]
Millis = Annotated[int, Meta(ge=0, le=MAX_INT32)]
Ease = Annotated[float, Meta(ge=1.3, le=100)]
Text = Annotated[str, Meta(max_length=MAX_TEXT)]
Id = Annotated[str, Meta(max_length=100)]


class Struct(msgspec.Struct, omit_defaults=False, forbid_unknown_fields=False):
    """Unknown fields are ignored, so a newer backup's extra fields do not stop a restore."""


class Schedule(Struct):
    """The SM-2 state of an item (and of the log's `before`)."""

    easiness: Ease
    repetitions: Count
    interval: Count
    due: date | None
    lapses: Count
    last_review: date | None = None


class After(Struct):
    """The state a grade left (its last review is the review's own day)."""

    easiness: Ease
    repetitions: Count
    interval: Count
    due: date | None
    lapses: Count


class Memory(Struct):
    """FSRS's state of a reviewed item (schedulers/fsrs.py), kept beside its SM-2 schedule
    once FSRS is chosen: restored as it is, so a restore replays no log and keeps what the
    learner's fitted weights gave. Its last review is the schedule's `last_review`."""

    stability: Annotated[float, Meta(ge=MIN_STABILITY)]  # days until recall falls to 90 %
    difficulty: Annotated[float, Meta(ge=MIN_DIFFICULTY, le=MAX_DIFFICULTY)]
    due: date


class Deck(Struct):
    id: Id
    name: Annotated[str, Meta(max_length=200)]
    description: Text | None = ""
    origin: str = "import"  # bundled | import
    source_path: Text | None = None
    digest: Annotated[str, Meta(max_length=64)] | None = None
    retired: bool = False


class Card(Struct):
    id: Id
    deck: Id
    front: Text
    back: Text
    schedule: Schedule
    position: Annotated[int, Meta(ge=-MAX_INT32, le=MAX_INT32)] = 0
    mnemonic: Text | None = None
    why: Text | None = None
    source: Annotated[str, Meta(max_length=200)] | None = None
    tags: list[str] = []
    suspended: bool = False
    retired: bool = False
    note_id: Id | None = None
    template: str = "basic"  # basic | reverse | cloze; older backups: basic
    ordinal: Annotated[int, Meta(ge=1, le=MAX_ORDINAL)] | None = None
    anki_guid: Id | None = None
    added: date | None = None  # the day it joined the collection; older backups: none
    fsrs: Memory | None = None  # None: never reviewed, or FSRS never chosen


class Topic(Struct):
    id: Id
    schedule: Schedule
    title: Text | None = ""
    suspended: bool = False
    level: Annotated[int, Meta(ge=1, le=3)] = 1  # older backups: level 1
    fsrs: Memory | None = None  # as a card's


class Review(Struct):
    id: RowId
    kind: str  # card | topic
    item_id: Id
    time: str  # UTC, ISO 8601 to the millisecond
    day: date
    quality: Annotated[int, Meta(ge=0, le=5)]
    duration_ms: Millis
    repeat: bool
    before: Schedule
    after: After
    imported: bool = False  # older backups: none came from Anki
    cram: bool = False  # a custom-study cram grade: logged, the schedule untouched
    leech: Annotated[int, Meta(ge=0, le=3)] = 0  # what the grade did as a leech (bits)


class Misconception(Struct):
    id: Id
    topic: Id
    seen: Annotated[int, Meta(ge=1, le=MAX_INT32)]
    first_seen: date
    last_seen: date
    avoided_run: Annotated[int, Meta(ge=0, le=MAX_INT32)]
    status: str  # active | resolved
    due: date | None = None
    last_attempt: RowId | None = None


class Attempt(Struct):
    id: RowId
    topic: Id
    seed: Annotated[int, Meta(ge=-MAX_INT, le=MAX_INT)]
    difficulty: Annotated[int, Meta(ge=0, le=100)]
    inputs: Any
    expected: Any
    outcome: str  # correct | wrong | gave_up
    correct: bool
    time: str
    day: date
    duration_ms: Millis
    typed: Text | None = ""
    hint_used: bool = False
    review_id: RowId | None = None
    level_move: Annotated[int, Meta(ge=-1, le=1)] = 0
    slips: dict[str, str] | None = None  # older backups: no slips recorded
    mistakes_before: dict[str, Misconception | None] | None = None


class Header(Struct):
    """The document's first fields: which format and version it is."""

    format: Any = FORMAT
    version: Any = FORMAT_VERSION


class CardOverride(Struct):
    """The learner's version of a bundled card (review/shaping): kept over deck updates."""

    card_id: Id
    fields: Text  # the learner's fields, JSON text
    bundled: Text  # the bundled fields they replace, JSON text (what revert goes back to)
    changed_at: Annotated[int, Meta(ge=0, le=MAX_INT)]


class CardFlag(Struct):
    """A card the learner flagged as wrong or unclear, for whoever keeps the decks."""

    card_id: Id
    kind: str  # wrong | unclear
    note: Text
    flagged_at: Annotated[int, Meta(ge=0, le=MAX_INT)]


@dataclass(frozen=True)
class Section:
    """One array of the document: its key, its record type, whether an older backup may
    lack it, and the table it restores into (store/schema.py's name)."""

    key: str
    record: type[Struct]
    required: bool
    table: str


SECTIONS: tuple[Section, ...] = (
    Section("decks", Deck, False, "decks"),
    Section("cards", Card, True, "cards"),
    Section("topics", Topic, True, "drill_topics"),
    Section("reviews", Review, True, "reviews"),
    Section("drill_attempts", Attempt, False, "drill_attempts"),
    Section("misconceptions", Misconception, False, "misconceptions"),
    Section("card_overrides", CardOverride, False, "card_overrides"),
    Section("card_flags", CardFlag, False, "card_flags"),
)
"""The arrays in document order: a record may point only at records of earlier sections
(a card at its deck, a review at its card, an attempt at its review)."""


def field_kinds(record: type[msgspec.Struct]) -> dict[str, str]:
    """Each field of a record and how it is stored: "day" (a date: its ordinal), "bool",
    "text" or "value" (as it is); for the sections read and restored field for field."""
    kinds = {}
    for field in msgspec.inspect.type_info(record).fields:  # type: ignore[attr-defined]
        kind = field.type
        if isinstance(kind, msgspec.inspect.UnionType):
            kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
        kinds[field.name] = {
            msgspec.inspect.DateType: "day",
            msgspec.inspect.BoolType: "bool",
            msgspec.inspect.StrType: "text",
        }.get(type(kind), "value")
    return kinds


PREFERENCES = "preferences"
"""The last member: one object of setting names to their values as text."""
