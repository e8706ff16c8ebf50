"""Every conversion between stored rows and domain values, in one place.

The statements of store/statements.py take and return values in their stored form (see
store/types.py: a day as its ordinal, a moment as epoch milliseconds, an easiness as whole
hundredths); this module turns an SM-2 state into parameters and back, builds a review-log
row and reads a card for the review screen. Imports no SQLAlchemy (start-up uses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from studyapp.schedulers.sm2 import Sm2State

if TYPE_CHECKING:
    from studyapp.schedulers.fsrs import FsrsState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_value(value: date | datetime | None) -> int | None:
    """A day as its ordinal (a moment counts as its calendar date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return int(value.toordinal())


def instant_value(value: datetime) -> int:
    """A moment as whole milliseconds since 1970-01-01 UTC (a naive moment is UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elapsed: timedelta = value - EPOCH
    return round(elapsed.total_seconds() * 1000)


def ease_value(value: float) -> int:
    """An easiness factor as whole hundredths."""
    return round(float(value) * 100)


def day_from_value(value: Any) -> date | None:
    return None if value is None else date.fromordinal(int(value))


def ease_from_value(value: Any) -> float | None:
    return None if value is None else int(value) / 100


STATE_FIELDS = ("easiness", "repetitions", "interval", "due", "lapses", "last_review")
"""The stored SM-2 columns, in Sm2State's field order (schema.SM2_COLUMNS)."""

FSRS_FIELDS = ("fsrs_stability", "fsrs_difficulty", "fsrs_due")
"""The stored FSRS columns, in the order statements {card,topic}_fsrs read them
(schema.FSRS_COLUMNS)."""

StoredFsrs = tuple[Any, Any, Any]
"""An item's FSRS columns as read (FSRS_FIELDS, stored form), kept with the state a
session shows so that a grade can claim both (store/grades.py) without reading again."""


def state_params(state: Sm2State, prefix: str = "") -> dict[str, Any]:
    """An SM-2 state as stored, as parameters named `prefix` + column."""
    return {
        f"{prefix}easiness": ease_value(state.easiness),
        f"{prefix}repetitions": state.repetitions,
        f"{prefix}interval": state.interval,
        f"{prefix}due": day_value(state.due),
        f"{prefix}lapses": state.lapses,
        f"{prefix}last_review": day_value(state.last_review),
    }


def state_from_row(row: Sequence[Any]) -> Sm2State:
    """An SM-2 state from its stored columns, in STATE_FIELDS order."""
    easiness, repetitions, interval, due, lapses, last_review = row
    return Sm2State(
        ease_from_value(easiness) or 0.0,
        int(repetitions),
        int(interval),
        day_from_value(due),
        int(lapses),
        day_from_value(last_review),
    )


def log_params(
    kind: str,
    item_id: str,
    before: Sm2State,
    after: Sm2State,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
) -> dict[str, Any]:
    """One review-log row as stored (statement insert_log): the state before and after.
    The log keeps no "last review after": it is the row's own day."""
    stored_after = state_params(after)
    del stored_after["last_review"]
    return {
        "kind": kind,
        "item_id": item_id,
        "reviewed_at": instant_value(moment.astimezone(UTC)),
        "day": day_value(today),
        "quality": quality,
        "duration_ms": duration_ms,
        "repeat": repeat,
        **state_params(before, "prev_"),
        **stored_after,
    }


MATURE_DAYS = 21
"""A learned item is mature from this interval on (days), young below it."""


def retention_class(repeat: bool, before: Sm2State) -> str | None:
    """ "young" or "mature" for a grade that measures retention — the first grade of the
    day of an item already learned (passed at its last grade) — else None: first views of
    new items, relearning after a failure and same-day repeats say nothing about memory."""
    if repeat or before.repetitions == 0:
        return None
    return "mature" if before.interval >= MATURE_DAYS else "young"


def day_count_params(
    day: date, kind: str, quality: int, repeat: bool, before: Sm2State, duration_ms: int
) -> dict[str, Any]:
    """What one logged grade adds to each count of its day (statement count_grade)."""
    first = 0 if repeat else 1
    passed = int(quality >= 3)
    learned = retention_class(repeat, before)
    return {
        "day": day_value(day),
        "kind": kind,
        "reviews": 1,
        "correct": passed,
        "graded": first,
        "graded_correct": first * passed,
        "new_seen": first * int(before.due is None),
        "duration_ms": max(0, duration_ms),
        "young_graded": int(learned == "young"),
        "young_passed": int(learned == "young") * passed,
        "mature_graded": int(learned == "mature"),
        "mature_passed": int(learned == "mature") * passed,
    }


@dataclass(frozen=True)
class LoggedGrade:
    """A review-log row read back (statement review_row), for undo and override."""

    kind: str
    item_id: str
    day: date
    quality: int
    duration_ms: int
    repeat: bool
    before: Sm2State
    after: Sm2State
    """The state the grade left its item in. A grade sets the last review to the row's own
    day; a same-day repeat leaves it as it was."""

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> LoggedGrade:
        kind, item_id, day, quality, duration_ms, repeat = row[:6]
        before = state_from_row(row[6:12])
        logged_day = day_from_value(day)
        assert logged_day is not None
        last_review = before.last_review if repeat else logged_day
        after = state_from_row((*row[12:17], day_value(last_review)))
        return cls(
            str(kind),
            str(item_id),
            logged_day,
            int(quality),
            int(duration_ms),
            bool(repeat),
            before,
            after,
        )

    def day_count_params(self) -> dict[str, Any]:
        """What this grade added to its day's counts (taken out again by undo)."""
        return day_count_params(
            self.day,
            self.kind,
            self.quality,
            self.repeat,
            self.before,
            self.duration_ms,
        )


def card_view_values(row: Sequence[Any]) -> dict[str, Any]:
    """The fields of the review screen's CardView from a row of statement card_view."""
    id_, deck_id, deck_name, front, back, mnemonic, why, source, tags, template, ordinal = row[:11]
    stability, difficulty, fsrs_due, *state = row[11:]
    return {
        "id": id_,
        "deck_id": deck_id,
        "deck_name": deck_name,
        "front": front,
        "back": back,
        "mnemonic": mnemonic,
        "why": why,
        "source": source,
        "tags": tuple(tags.split()),
        "template": template,
        "ordinal": ordinal,
        "state": state_from_row(state),
        "fsrs_stored": (stability, difficulty, fsrs_due),
    }


def state_of(item: Any) -> Sm2State:
    """The SM-2 state on a card or topic ORM object (store/models.py)."""
    return Sm2State(
        easiness=item.easiness,
        repetitions=item.repetitions,
        interval=item.interval,
        due=item.due,
        lapses=item.lapses,
        last_review=item.last_review,
    )


def store_state(item: Any, state: Sm2State) -> None:
    """Set the SM-2 state on a card or topic ORM object."""
    item.easiness, item.repetitions, item.interval = (
        state.easiness,
        state.repetitions,
        state.interval,
    )
    item.due, item.lapses, item.last_review = state.due, state.lapses, state.last_review


MISTAKE_FIELDS = (
    "id",
    "topic_id",
    "seen",
    "first_seen",
    "last_seen",
    "avoided_run",
    "due",
    "status",
)
"""A misconceptions row's columns but last_attempt, in review/misconceptions.py
Misconception's field order."""

MISTAKE_COLUMNS = (*MISTAKE_FIELDS, "last_attempt")
"""A misconceptions row's columns, in order (the statements read and write them so)."""


def mistake_from_row(row: Sequence[Any]) -> dict[str, Any]:
    """A stored misconceptions row (MISTAKE_COLUMNS order) as values by field."""
    values = dict(zip(MISTAKE_FIELDS, row, strict=False))
    for name in ("first_seen", "last_seen", "due"):
        values[name] = day_from_value(values[name])
    for name in ("seen", "avoided_run"):
        values[name] = int(values[name])
    return values


def mistake_params(values: dict[str, Any], last_attempt: int | None) -> dict[str, Any]:
    """A misconception's values as the parameters of `write_mistake`."""
    stored = {name: values[name] for name in MISTAKE_FIELDS}
    for name in ("first_seen", "last_seen", "due"):
        stored[name] = day_value(stored[name])
    return {**stored, "last_attempt": last_attempt}


# -- FSRS beside SM-2 (issue 17): its state in columns, and before each grade in the log


def fsrs_params(state: FsrsState | None, prefix: str = "") -> dict[str, Any]:
    """An item's FSRS state as the stored columns (all NULL for none)."""
    if state is None:
        return {
            f"{prefix}fsrs_stability": None,
            f"{prefix}fsrs_difficulty": None,
            f"{prefix}fsrs_due": None,
        }
    return {
        f"{prefix}fsrs_stability": state.stability,
        f"{prefix}fsrs_difficulty": state.difficulty,
        f"{prefix}fsrs_due": day_value(state.due),
    }


def fsrs_from_row(row: Sequence[Any], last_review: date | None) -> FsrsState | None:
    """(stability, difficulty, due) stored with the item's last review day -> its FSRS
    state; None when any is missing (not derived, or the item is new)."""
    stability, difficulty, due = row[:3]
    if stability is None or difficulty is None or due is None or last_review is None:
        return None
    from studyapp.schedulers.fsrs import FsrsState

    return FsrsState(float(stability), float(difficulty), last_review, day_from_value(due))  # type: ignore[arg-type]


def log_fsrs_params(before: FsrsState | None) -> dict[str, Any]:
    """A log row's FSRS state before the grade: stability 0 when the item had none (so that
    an undo clears it), as opposed to NULL, which says FSRS was not kept then."""
    if before is None:
        return {"prev_fsrs_stability": 0.0, "prev_fsrs_difficulty": None, "prev_fsrs_due": None}
    return fsrs_params(before, "prev_")
