"""Restoring a whole collection from `studyapp export --format json`.

The document is read and checked completely (types, ranges, duplicate ids, references
between rows) before the database is touched; then, in one transaction, every table is
emptied and refilled with the document's rows, ids included, and the per-day totals are
rebuilt from the restored log. Any problem raises `ImportProblem` with one line naming
the file and the place in the document (`reviews[12].quality: ...`), and the database is
left as it was.

Importing replaces: the collection afterwards is exactly the exported one. Because that
throws away what the database held, `restore_json` refuses a database that already holds
study data (see `study_data_in`) unless `replace=True`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from studyapp.config import PREFERENCE_NAMES, parse_preference
from studyapp.decks.format import DeckSpec, control_character, valid_id
from studyapp.decks.freshness import DRILL_FINGERPRINT_KEY, SyncReport
from studyapp.decks.sync import write_deck  # the same rules as `studyapp import`
from studyapp.schedulers.sm2 import INITIAL_EASINESS
from studyapp.store import Database, totals
from studyapp.store.card_dates import date_undated_cards
from studyapp.store.models import (
    Card,
    DailyTotal,
    Deck,
    DrillAttempt,
    DrillTopic,
    MisconceptionRow,
    Preference,
    Review,
)
from studyapp.store.rows import day_value, ease_value
from studyapp.store.schema import move_id_sequences
from studyapp.transfer.export import FORMAT, FORMAT_VERSION, SCHEDULE_FIELDS, Progress, Tally

MAX_JSON_BYTES = 2 * 1024**3
KINDS = ("card", "topic")
ORIGINS = ("bundled", "import")
MAX_ID = 100  # the id columns' length (deck files allow 128, which PostgreSQL would refuse)
OUTCOMES = ("correct", "wrong", "gave_up")
TEMPLATES = ("basic", "reverse", "cloze")
MAX_ORDINAL = 2**15 - 1  # SmallInteger
SIBLING = re.compile(r"rev|[ct][1-9][0-9]{0,4}")
"""What may follow `~` in a card id: a note's reverse (`x~rev`), cloze (`x~c2`) or other
Anki template (`x~t3`) card."""
MAX_INT = 2**63 - 1  # BigInteger columns (drill seeds)
MAX_INT32 = 2**31 - 1  # Integer columns: PostgreSQL's are 32-bit
CHUNK = 5000
FIRST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime(9999, 1, 1, tzinfo=UTC)


class ImportProblem(Exception):
    """A file that cannot be imported, or a database that must not be overwritten."""


class _Bad(Exception):
    """A problem at one place of the document; becomes an ImportProblem with the file."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)


@dataclass
class Restored:
    """The rows of a checked document, ready to insert (column name -> value)."""

    decks: list[dict[str, Any]]
    cards: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    preferences: list[dict[str, Any]]
    mistakes: list[dict[str, Any]]


# --- reading and checking --------------------------------------------------------------------


def read_json(path: Path) -> Restored:
    """Read and check an export file; raises ImportProblem naming the file and the reason."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as error:
        raise ImportProblem(f"{path}: cannot read file: {error.strerror or error}") from None
    if len(data) > MAX_JSON_BYTES:
        raise ImportProblem(f"{path}: file is larger than {MAX_JSON_BYTES // 2**30} GiB")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportProblem(f"{path}: invalid UTF-8 at byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise ImportProblem(f"{path}: JSON nesting is too deep") from None
    try:
        return check_document(document)
    except _Bad as problem:
        raise ImportProblem(f"{path}: {problem}") from None


def check_document(document: Any) -> Restored:
    """The rows of an export document, or _Bad at the first thing that is wrong."""
    if not isinstance(document, dict) or "cards" not in document:
        raise _Bad(
            "",
            "not a studyapp JSON export (expected an object with 'cards', 'topics' and 'reviews')",
        )
    if document.get("format", FORMAT) != FORMAT:
        raise _Bad("format", f"expected {FORMAT!r}, got {document['format']!r}")
    version = document.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise _Bad("version", f"this studyapp reads version {FORMAT_VERSION}, not {version!r}")
    cards = _each(document, "cards", _card)
    decks = _each(document, "decks", _deck, required=False)
    if "decks" not in document:  # an older export: decks named after their ids
        decks = [_implied_deck(deck_id) for deck_id in dict.fromkeys(c["deck_id"] for c in cards)]
    topics = _each(document, "topics", _topic)
    reviews = _each(document, "reviews", _review)
    attempts = _each(document, "drill_attempts", _attempt, required=False)
    mistakes = _each(document, "misconceptions", _mistake, required=False)  # older: none
    preferences = _preferences(document.get("preferences", {}))
    for name, rows in (
        ("decks", decks),
        ("cards", cards),
        ("topics", topics),
        ("reviews", reviews),
        ("drill_attempts", attempts),
        ("misconceptions", mistakes),
    ):
        _unique_ids(name, rows)
    deck_ids = {d["id"] for d in decks}
    for index, card in enumerate(cards):
        if card["deck_id"] not in deck_ids:
            raise _Bad(f"cards[{index}].deck", f"no deck {card['deck_id']!r} in 'decks'")
    _check_history(cards, topics, reviews)
    review_ids = {r["id"] for r in reviews}
    for index, attempt in enumerate(attempts):
        if attempt["review_id"] is not None and attempt["review_id"] not in review_ids:
            raise _Bad(
                f"drill_attempts[{index}].review_id",
                f"no review {attempt['review_id']} in 'reviews'",
            )
    return Restored(decks, cards, topics, reviews, attempts, preferences, mistakes)


def _each(
    document: dict[str, Any],
    key: str,
    convert: Callable[[_Fields], dict[str, Any]],
    required: bool = True,
) -> list[dict[str, Any]]:
    if key not in document:
        if required:
            raise _Bad("", f"missing '{key}'")
        return []
    items = document[key]
    if not isinstance(items, list):
        raise _Bad(key, f"expected a list, got {_kind(items)}")
    return [convert(_Fields(f"{key}[{index}]", item)) for index, item in enumerate(items)]


def _unique_ids(name: str, rows: list[dict[str, Any]]) -> None:
    seen: set[Any] = set()
    for index, row in enumerate(rows):
        if row["id"] in seen:
            raise _Bad(f"{name}[{index}].id", f"duplicate id {row['id']!r}")
        seen.add(row["id"])


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


class _Fields:
    """Typed access to one JSON object; each getter raises _Bad naming the field."""

    def __init__(self, where: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise _Bad(where, f"expected an object, got {_kind(value)}")
        self.where, self.value = where, value

    def _get(self, key: str, optional: bool) -> Any:
        if key not in self.value:
            if optional:
                return None
            raise _Bad(self.where, f"missing field '{key}'")
        return self.value[key]

    def _wrong(self, key: str, expected: str, got: Any) -> _Bad:
        return _Bad(f"{self.where}.{key}", f"expected {expected}, got {_kind(got)}")

    def nested(self, key: str) -> _Fields:
        return _Fields(f"{self.where}.{key}", self._get(key, optional=False))

    def text(self, key: str, optional: bool = False, limit: int = 10**6) -> str | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        _encodable(f"{self.where}.{key}", value)
        if len(value) > limit:
            raise _Bad(f"{self.where}.{key}", f"longer than {limit} characters")
        _printable(f"{self.where}.{key}", value)
        return value

    def filled_text(self, key: str) -> str:
        """A card's front or back: deck files and imports refuse an empty one."""
        value = self.required_text(key)
        if not value.strip():
            raise _Bad(f"{self.where}.{key}", "is empty")
        return value

    def identifier(self, key: str) -> str:
        """A deck, card or topic id, by the rule of deck files (no spaces, no slashes)."""
        value = self.required_text(key, limit=MAX_ID)
        if not valid_id(value):
            raise _Bad(
                f"{self.where}.{key}",
                f"{value!r} is not a valid id: use letters, digits, '_', '-' or '.', no spaces",
            )
        return value

    def card_identifier(self, key: str) -> str:
        """A card id: a deck file's id, or a note's sibling (`x~rev`, `x~c2`, `x~t3`)."""
        value = self.required_text(key, limit=MAX_ID)
        note, tilde, sibling = value.partition("~")
        if not valid_id(note) or (tilde and SIBLING.fullmatch(sibling) is None):
            raise _Bad(
                f"{self.where}.{key}",
                f"{value!r} is not a valid card id: use letters, digits, '_', '-' or '.', "
                "no spaces, then ~rev, ~cN or ~tN for a note's other cards",
            )
        return value

    def optional_identifier(self, key: str) -> str | None:
        """A note id: an id by the rule of deck files, or null."""
        if self.value.get(key) is None:
            return None
        return self.identifier(key)

    def required_text(self, key: str, limit: int = 10**6) -> str:
        value = self.text(key, limit=limit)
        assert value is not None
        return value

    def integer(
        self,
        key: str,
        low: int = 0,
        high: int = MAX_INT,
        optional: bool = False,
        default: int | None = None,
    ) -> int | None:
        value = self._get(key, optional)
        if value is None and optional:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        if not low <= value <= high:
            raise _Bad(f"{self.where}.{key}", f"{value} is outside {low}..{high}")
        return value

    def count(self, key: str, low: int = 0, high: int = MAX_INT) -> int:
        value = self.integer(key, low, high)
        assert value is not None
        return value

    def flag(self, key: str, optional: bool = False) -> bool:
        value = self._get(key, optional)
        if value is None and optional:
            return False
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return value

    def easiness(self, key: str) -> float:
        value = self._get(key, optional=False)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(key, "a number", value)
        if not 1.3 <= value <= 100:
            raise _Bad(f"{self.where}.{key}", f"easiness {value} is outside 1.3..100")
        return float(value)

    def day(self, key: str, optional: bool = False) -> date | None:
        value = self._get(key, optional)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "an ISO date (YYYY-MM-DD)", value)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _Bad(f"{self.where}.{key}", f"{value!r} is not an ISO date") from None

    def moment(self, key: str) -> datetime:
        value = self._get(key, optional=False)
        if not isinstance(value, str):
            raise self._wrong(key, "an ISO date and time", value)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _Bad(f"{self.where}.{key}", f"{value!r} is not an ISO date and time") from None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        if not FIRST_MOMENT <= moment < LAST_MOMENT:
            raise _Bad(f"{self.where}.{key}", f"{value!r} is before 1970 or after 9998")
        return moment

    def choice(self, key: str, choices: Iterable[str]) -> str:
        value = self.required_text(key)
        allowed = tuple(choices)
        if value not in allowed:
            raise _Bad(f"{self.where}.{key}", f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def schedule(self, key: str, prefix: str = "", last_review: bool = True) -> dict[str, Any]:
        state = self.nested(key)
        row = {
            prefix + "easiness": state.easiness("easiness"),
            prefix + "repetitions": state.count("repetitions", 0, 10**6),
            prefix + "interval": state.count("interval", 0, 10**6),
            prefix + "due": state.day("due", optional=True),
            prefix + "lapses": state.count("lapses", 0, 10**6),
        }
        assert set(SCHEDULE_FIELDS) <= {name.removeprefix(prefix) for name in row}
        if last_review:
            row[prefix + "last_review"] = state.day("last_review", optional=True)
        return row


def _encodable(where: str, value: str) -> None:
    """JSON can spell a lone surrogate (\\ud800) that no database can store as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(where, "holds a lone surrogate, which is not valid Unicode text") from None


def _printable(where: str, value: str) -> None:
    """A NUL or an escape sequence has no place in stored text: the deck files refuse it,
    and Anki cannot read an .apkg export holding one."""
    bad = control_character(value)
    if bad is not None:
        raise _Bad(where, f"contains a control character ({bad})")


def _implied_deck(deck_id: str) -> dict[str, Any]:
    return {
        "id": deck_id,
        "name": deck_id,
        "description": "",
        "origin": "import",
        "source_path": None,
        "digest": None,
        "retired": False,
    }


def _deck(item: _Fields) -> dict[str, Any]:
    return {
        "id": item.identifier("id"),
        "name": item.required_text("name", limit=200),
        "description": item.text("description", optional=True) or "",
        "origin": item.choice("origin", ORIGINS) if "origin" in item.value else "import",
        "source_path": item.text("source_path", optional=True),
        "digest": item.text("digest", optional=True, limit=64),
        "retired": item.flag("retired", optional=True),
    }


def _tags(item: _Fields) -> str:
    tags = item._get("tags", optional=True) or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.split() == [t] for t in tags):
        raise _Bad(f"{item.where}.tags", "expected a list of words without spaces")
    joined = " ".join(tags)
    _encodable(f"{item.where}.tags", joined)
    _printable(f"{item.where}.tags", joined)
    return joined


def _card(item: _Fields) -> dict[str, Any]:
    # Older backups have no note fields: their cards are basic, each its own note.
    template = item.choice("template", TEMPLATES) if "template" in item.value else "basic"
    return {
        "id": item.card_identifier("id"),
        "deck_id": item.identifier("deck"),
        "position": item.integer("position", -MAX_INT32, MAX_INT32, optional=True, default=0),
        "front": item.filled_text("front"),
        # a cloze's back is its extra, which may be empty; every other card needs one
        "back": item.required_text("back") if template == "cloze" else item.filled_text("back"),
        "note_id": item.optional_identifier("note_id"),
        "template": template,
        "ordinal": item.integer("ordinal", 1, MAX_ORDINAL, optional=True),
        "anki_guid": item.text("anki_guid", optional=True, limit=MAX_ID),
        "added": item.day("added", optional=True),  # older backups: filled after the insert
        "mnemonic": item.text("mnemonic", optional=True),
        "why": item.text("why", optional=True),
        "source": item.text("source", optional=True, limit=200),
        "tags": _tags(item),
        "suspended": item.flag("suspended", optional=True),
        "retired": item.flag("retired", optional=True),
        **item.schedule("schedule"),
    }


def _topic(item: _Fields) -> dict[str, Any]:
    return {
        "id": item.identifier("id"),
        "title": item.text("title", optional=True) or "",
        "suspended": item.flag("suspended", optional=True),
        "level": item.integer("level", 1, 3, optional=True, default=1),  # older: level 1
        **item.schedule("schedule"),
    }


def _review(item: _Fields) -> dict[str, Any]:
    return {
        "id": item.count("id", 1, MAX_INT32),
        "kind": item.choice("kind", KINDS),
        "item_id": item.card_identifier("item_id"),
        "reviewed_at": item.moment("time"),
        "day": item.day("day"),
        "quality": item.count("quality", 0, 5),
        "duration_ms": item.count("duration_ms", 0, MAX_INT32),
        "repeat": item.flag("repeat"),
        "imported": item.flag("imported", optional=True),  # older backups: none came from Anki
        **item.schedule("before", "prev_"),
        **item.schedule("after", last_review=False),
    }


def _json_text(item: _Fields, key: str) -> str:
    if key not in item.value:
        raise _Bad(item.where, f"missing field '{key}'")
    return json.dumps(item.value[key])


def _attempt(item: _Fields) -> dict[str, Any]:
    return {
        "id": item.count("id", 1, MAX_INT32),
        "topic_id": item.identifier("topic"),
        "seed": item.count("seed", -MAX_INT, MAX_INT),
        "difficulty": item.count("difficulty", 0, 100),
        "inputs": _json_text(item, "inputs"),
        "expected": _json_text(item, "expected"),
        "typed": item.text("typed", optional=True) or "",
        "outcome": item.choice("outcome", OUTCOMES),
        "correct": item.flag("correct"),
        "hint_used": item.flag("hint_used", optional=True),
        "attempted_at": item.moment("time"),
        "day": item.day("day"),
        "duration_ms": item.count("duration_ms", 0, MAX_INT32),
        "review_id": item.integer("review_id", 1, MAX_INT32, optional=True),
        "level_move": item.integer("level_move", -1, 1, optional=True, default=0),
        "slips": _slips(item),  # older backups: no slips recorded
        "mistakes_before": _saved_mistakes(item),
    }


MISTAKE_STATUSES = ("active", "resolved")


def _mistake(item: _Fields) -> dict[str, Any]:
    """A misconceptions row (or an attempt's saved one) from the backup."""
    return {
        "id": item.identifier("id"),
        "topic_id": item.identifier("topic"),
        "seen": item.count("seen", 1, MAX_INT32),
        "first_seen": item.day("first_seen"),
        "last_seen": item.day("last_seen"),
        "avoided_run": item.count("avoided_run", 0, MAX_INT32),
        "due": item.day("due", optional=True),
        "status": item.choice("status", MISTAKE_STATUSES),
        "last_attempt": item.integer("last_attempt", 1, MAX_INT32, optional=True),
    }


def _slips(item: _Fields) -> str:
    """An attempt's slips, {checkpoint: slip id}, as stored JSON."""
    value = item.value.get("slips") or {}
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(slip, str) and valid_id(slip)
        for name, slip in value.items()
    ):
        raise _Bad(f"{item.where}.slips", "expected an object of checkpoint names to slip ids")
    return json.dumps(value, sort_keys=True)


def _saved_mistakes(item: _Fields) -> str | None:
    """An attempt's saved misconception rows (for undo), as stored JSON (days as ordinals)."""
    value = item.value.get("mistakes_before")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise item._wrong("mistakes_before", "an object or null", value)
    saved: dict[str, Any] = {}
    for mistake_id, row in value.items():
        if row is None:
            saved[str(mistake_id)] = None
            continue
        found = _mistake(_Fields(f"{item.where}.mistakes_before.{mistake_id}", row))
        if found["id"] != mistake_id:
            raise _Bad(f"{item.where}.mistakes_before.{mistake_id}", "its id differs")
        saved[mistake_id] = {
            **found,
            **{name: day_value(found[name]) for name in ("first_seen", "last_seen", "due")},
        }
    return json.dumps(saved, sort_keys=True) if saved else None


def _preferences(value: Any) -> list[dict[str, Any]]:
    """The preferences by the rules of `studyapp config`: a value the app could not use
    would stop every later start (stored normalised, as `config` stores it)."""
    if not isinstance(value, dict):
        raise _Bad("preferences", f"expected an object, got {_kind(value)}")
    rows = []
    for key, setting in value.items():
        where = (
            f"preferences.{key}"
            if key in PREFERENCE_NAMES or key == DRILL_FINGERPRINT_KEY
            else (f"preferences[{key!r}]")
        )
        if not isinstance(setting, str) or len(key) > 50 or len(setting) > 200:
            raise _Bad(where, "expected a short string")
        _encodable(where, key + setting)
        if key == DRILL_FINGERPRINT_KEY:  # bookkeeping: a wrong one only means a resync
            _printable(where, setting)
            rows.append({"key": key, "value": setting})
            continue
        try:
            number = parse_preference(key, setting)
        except ValueError as error:
            raise _Bad(where, str(error)) from None
        rows.append({"key": key, "value": str(number)})
    return rows


def _check_history(
    cards: list[dict[str, Any]], topics: list[dict[str, Any]], reviews: list[dict[str, Any]]
) -> None:
    """The review log must tell how each item got its schedule, as it does in a real
    collection: each review starts from the state the item's previous review left (or from
    a new item's, after a reset), a same-day repeat changes nothing, and the item holds the
    state its last review left (or a new item's). An item's first review may start from
    any state: a restored item may carry a schedule without its log (an older export)."""
    items = {("card", card["id"]): (f"cards[{i}]", card) for i, card in enumerate(cards)}
    items.update(
        {("topic", topic["id"]): (f"topics[{i}]", topic) for i, topic in enumerate(topics)}
    )
    left: dict[tuple[str, str], tuple[int, tuple[Any, ...]]] = {}
    for index, review in sorted(enumerate(reviews), key=lambda pair: pair[1]["id"]):
        key = (review["kind"], review["item_id"])
        if key not in items:
            section = "cards" if key[0] == "card" else "topics"
            raise _Bad(f"reviews[{index}].item_id", f"no {key[0]} {key[1]!r} in '{section}'")
        before = _state(review, "prev_", review["prev_last_review"])
        if key in left and before not in (left[key][1], NEW_STATE):
            raise _Bad(
                f"reviews[{index}].before",
                f"does not follow from reviews[{left[key][0]}], "
                f"the previous review of {key[0]} {key[1]!r}",
            )
        last_review = review["prev_last_review"] if review["repeat"] else review["day"]
        after = _state(review, last_review=last_review)
        if review["repeat"] and after != before:
            raise _Bad(
                f"reviews[{index}].after",
                "a same-day repeat does not change the schedule, but this one does",
            )
        left[key] = (index, after)
    for key, (index, state) in left.items():
        where, item = items[key]
        if _state(item, last_review=item["last_review"]) not in (state, NEW_STATE):
            raise _Bad(
                f"{where}.schedule",
                f"is not the state its last review left (reviews[{index}]) nor a new one",
            )


def _state(row: dict[str, Any], prefix: str = "", last_review: Any = None) -> tuple[Any, ...]:
    """The schedule columns of a row, easiness as stored (whole hundredths), and the day of
    the last review (the log keeps no "last review after": it is the review's own day)."""
    return (
        ease_value(row[prefix + "easiness"]),
        *(row[prefix + name] for name in ("repetitions", "interval", "due", "lapses")),
        last_review,
    )


NEW_STATE = _state(
    {"easiness": INITIAL_EASINESS, "repetitions": 0, "interval": 0, "due": None, "lapses": 0}
)
"""The state of a new item (scheduler.Sm2State()), as _check_history compares them."""


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
) -> None:
    """Make the database hold exactly `restored`, in one transaction; `progress` is told
    (rows loaded, rows in all) as the rows go in. Cards of an older backup, which has no
    `added` days, are dated by their first grade, else `today`.

    Raises ImportProblem (changing nothing) when the database holds study data and
    `replace` is False.
    """
    try:
        _restore(db, restored, replace, progress, today or date.today())
    except DBAPIError as error:  # a value the checks let through but this database refuses
        raise ImportProblem(f"the database refused the rows: {error.orig}") from None


def _restore(
    db: Database, restored: Restored, replace: bool, progress: Progress | None, today: date
) -> None:
    with db.write_session() as session, session.begin():
        if not replace and study_data_in(session):
            raise ImportProblem(
                "the database already holds study data (reviews, drill attempts, imported "
                "decks, suspensions or preferences); importing a JSON export replaces all of "
                "it: pass --replace to do so (export it first to keep a copy)"
            )
        for model in (
            MisconceptionRow,
            DrillAttempt,
            Review,
            DailyTotal,
            Card,
            Deck,
            DrillTopic,
            Preference,
        ):
            session.execute(delete(model))
        tables = (
            (Deck, restored.decks),
            (Card, restored.cards),
            (DrillTopic, restored.topics),
            (Review, restored.reviews),
            (DrillAttempt, restored.attempts),
            (MisconceptionRow, restored.mistakes),
        )
        tally = Tally(progress, sum(len(rows) for _, rows in tables))
        for model, rows in (*tables, (Preference, restored.preferences)):
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                session.execute(insert(model), chunk)
                if model is not Preference:
                    tally.add(len(chunk))
        connection = session.connection()
        date_undated_cards(connection, today)
        totals.rebuild(connection)
        move_id_sequences(connection)  # ids were given: on PostgreSQL, move the sequences on
    tally.finish()


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
