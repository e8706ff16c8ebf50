"""FSRS's state beside SM-2's: derived from the review log by replay, then kept in step.

SM-2's state stays exactly as SM-2 leaves it; FSRS's lives in its own columns (migration
0009). Switching to FSRS the first time replays the whole log (`derive`), oldest grade
first, with the rules of a grade here: a day's first grade schedules, same-day re-asks
are logged and skipped, and a grade whose SM-2 state before was new (a new or reset item)
starts FSRS afresh. From then on every grade, undo and override keeps both states
(review/grading.py `fsrs_step_for`, store/grades.py), whichever scheduler is active, so
switching back and forth costs nothing and loses nothing.

An item with an SM-2 schedule but no logged grade (a schedule imported without its
history) gets FSRS's memory from its SM-2 ease and interval, by fsrs-rs's own conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update

from studyapp.config import Settings
from studyapp.schedulers import fsrs
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import Database, rows
from studyapp.store.log_pages import first_grade_pages, first_grades_after
from studyapp.store.runner import CoreRunner
from studyapp.store.schema import cards, drill_topics, reviews

Progress = Callable[[int, int], None]
"""(done, total) reviews replayed, for a progress bar."""

TRACKED_KEY = fsrs.TRACKED_KEY

_TABLES = {"card": cards, "topic": drill_topics}
_CHUNK = 20_000


def due_column_suffix(settings: Settings) -> str:
    """The suffix of the store's statements that count by the active scheduler's due day."""
    return "_fsrs" if settings.scheduler == "fsrs" else ""


def stored_state(db: Database, kind: str, item_id: str, sm2: Sm2State) -> fsrs.FsrsState | None:
    """An item's stored FSRS state (None: new, or not derived)."""
    if sm2.last_review is None:
        return None
    with db.reading() as reader:
        found = reader.one(f"{kind}_fsrs", {"item_id": item_id})
    return None if found is None else rows.fsrs_from_row(found, sm2.last_review)


def fsrs_preview(
    db: Database,
    settings: Settings,
    kind: str,
    item_id: str,
    sm2: Sm2State,
    today: date,
    repeat: bool,
) -> dict[int, int]:
    """Grade -> the interval in days FSRS would give the item; a same-day re-ask keeps the
    interval its first grade set, as under SM-2."""
    state = stored_state(db, kind, item_id, sm2)
    if repeat:
        kept = (state.due - state.last_review).days if state is not None else 1
        return dict.fromkeys(range(6), kept)
    return fsrs.preview_intervals(
        state, today, settings.fsrs_parameters, settings.desired_retention
    )


def read_log(
    db: Database, progress: Progress | None = None
) -> dict[tuple[str, str], list[fsrs.Graded]]:
    """Every logged grade by item, oldest first, as a replay reads it (streamed in the
    log's own order: no sort of the million-row table)."""
    by_item: dict[tuple[str, str], list[fsrs.Graded]] = {}
    with db.session() as session:
        _read_into(session, by_item, 0, progress)
    return by_item


def _read_into(
    session: Any,
    by_item: dict[tuple[str, str], list[fsrs.Graded]],
    after_id: int,
    progress: Progress | None = None,
) -> int:
    """Append the log's grades with an id above `after_id` to `by_item`; returns the
    highest id read (an id range on the key: the catch-up after a long read is cheap)."""
    columns = (
        reviews.c.id,
        reviews.c.kind,
        reviews.c.item_id,
        reviews.c.day,
        reviews.c.quality,
        reviews.c.repeat,
        reviews.c.prev_last_review,
    )
    total = int(session.execute(select(func.max(reviews.c.id))).scalar() or 0)
    last = after_id
    query = select(*columns).where(reviews.c.id > after_id).order_by(reviews.c.id)
    result = session.execute(query).yield_per(_CHUNK)
    for done, (row_id, kind, item_id, day, quality, repeat, prev_last) in enumerate(result, 1):
        graded = fsrs.Graded(day, int(quality), bool(repeat), prev_last is None)
        by_item.setdefault((kind, item_id), []).append(graded)
        last = row_id
        if progress is not None and done % _CHUNK == 0:
            progress(done, max(total - after_id, done))
    if progress is not None:
        progress(max(total - after_id, 0), max(total - after_id, 0))
    return int(last)


@dataclass
class _FirstGrades:
    """The log's first grades of a day, as columns for the batch replay."""

    codes: dict[tuple[str, str], int] = field(default_factory=dict)
    item: list[int] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    quality: list[int] = field(default_factory=list)
    fresh: list[bool] = field(default_factory=list)
    last_id: int = 0

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        """Append rows of store/log_pages.py."""
        codes = self.codes
        for row_id, kind, item_id, day, quality, _interval, new in rows:
            self.item.append(codes.setdefault((kind, item_id), len(codes)))
            self.day.append(int(day))
            self.quality.append(int(quality))
            self.fresh.append(bool(new))
            self.last_id = int(row_id)

    def read(self, db: Database, progress: Progress | None = None) -> None:
        """Read the whole log's first grades, page by page."""
        with db.reading() as reader:
            total = int(reader.scalar("log_size") or 0)
        for page in first_grade_pages(db, self.last_id):
            self.add(page)
            if progress is not None:
                progress(min(self.last_id, total), max(total, 1))
        if progress is not None:
            progress(max(total, 1), max(total, 1))

    def states(self, weights: fsrs.Weights, retention: float) -> dict[tuple[str, str], Any]:
        """Each item's FSRS state after its last logged grade."""
        import numpy as np

        from studyapp.schedulers.fsrs_batch import replay_batch

        if not self.item:
            return {}
        w = weights or fsrs.default_parameters()
        replayed = replay_batch(
            np.array(self.item), np.array(self.day), np.array(self.quality),
            np.array(self.fresh), w,
        )  # fmt: skip
        names = {code: key for key, code in self.codes.items()}
        found: dict[tuple[str, str], Any] = {}
        for row in replayed.last_of_items():
            last = date.fromordinal(int(replayed.day[row]))
            s = float(replayed.stability[row])
            due = last + timedelta(days=fsrs.interval_days(s, retention, w))
            found[names[int(replayed.item[row])]] = fsrs.FsrsState(
                s, float(replayed.difficulty[row]), last, due
            )
        return found


def derive(db: Database, settings: Settings, progress: Progress | None = None) -> int:
    """Fill every item's FSRS columns from the log (and from SM-2's schedule where no log
    exists), then mark FSRS as kept: returns how many items got a state from the log. The
    log is read and replayed outside the write lock (schedulers/fsrs_batch.py); grades given
    meanwhile are read again inside it, so none slips between the replay and the writes."""
    weights, retention = settings.fsrs_parameters, settings.desired_retention
    log = _FirstGrades()
    log.read(db, progress)  # the long read, outside the write lock
    by_item = log.states(weights, retention)
    with db.write_session() as session, session.begin():
        meanwhile = first_grades_after(CoreRunner(session), log.last_id)
        if meanwhile:  # grades given since the read: replay again with them
            log.add(meanwhile)
            by_item = log.states(weights, retention)
        for kind, table in _TABLES.items():
            scheduled = session.execute(
                select(table.c.id, table.c.easiness, table.c.interval, table.c.last_review).where(
                    table.c.last_review.is_not(None)
                )
            ).all()
            values: list[dict[str, Any]] = []
            for item_id, easiness, interval, last_review in scheduled:
                state = by_item.get((kind, item_id))
                if state is None:
                    state = _from_sm2(
                        float(easiness), int(interval), last_review, weights, retention
                    )
                values.append({"key": item_id, **_columns(state)})
            if values:
                statement = update(table).where(table.c.id == _key())
                session.execute(statement, values)
        _mark_tracked(session)
    return len(by_item)


def _key() -> Any:
    from sqlalchemy import bindparam

    return bindparam("key")


def _columns(state: fsrs.FsrsState | None) -> dict[str, Any]:
    if state is None:
        return {"fsrs_stability": None, "fsrs_difficulty": None, "fsrs_due": None}
    return {
        "fsrs_stability": state.stability,
        "fsrs_difficulty": state.difficulty,
        "fsrs_due": state.due,
    }


def _from_sm2(
    easiness: float, interval: int, last_review: date, weights: fsrs.Weights, retention: float
) -> fsrs.FsrsState:
    """FSRS's memory for a schedule with no history: fsrs-rs's conversion of an SM-2 ease
    and interval (taking SM-2's intervals as set for 90 % recall)."""
    from fsrs_rs_python import FSRS

    memory = FSRS(list(weights or fsrs.default_parameters())).memory_state_from_sm2(
        easiness, float(max(1, interval)), 0.9
    )
    stability = max(float(memory.stability), fsrs.MIN_STABILITY)
    days = fsrs.interval_days(stability, retention, weights or fsrs.default_parameters())
    return fsrs.FsrsState(
        stability, float(memory.difficulty), last_review, last_review + timedelta(days=days)
    )


def _mark_tracked(session: Any) -> None:
    from studyapp.store.schema import preferences

    session.execute(preferences.delete().where(preferences.c.key == TRACKED_KEY))
    session.execute(preferences.insert().values(key=TRACKED_KEY, value="1"))


def reschedule(db: Database, settings: Settings) -> None:
    """Move every FSRS due day to what the current weights and desired retention give
    (after a refit or a new desired_retention): the memory states stay, only the
    interval from each last review changes."""
    weights = settings.fsrs_parameters or fsrs.default_parameters()
    with db.write_session() as session, session.begin():
        for table in _TABLES.values():
            found = session.execute(
                select(table.c.id, table.c.fsrs_stability, table.c.last_review).where(
                    table.c.fsrs_stability.is_not(None), table.c.last_review.is_not(None)
                )
            ).all()
            values = [
                {
                    "key": item_id,
                    "fsrs_due": last
                    + timedelta(days=fsrs.interval_days(s, settings.desired_retention, weights)),
                }
                for item_id, s, last in found
            ]
            if values:
                session.execute(update(table).where(table.c.id == _key()), values)
