"""The one write path for grades, of cards and drill topics alike: record, undo, regrade.

Each is one transaction: the item's new SM-2 state, its log row (and a drill's attempt
row) and its day's totals (daily_totals) together, so a killed app never loses an answered
review and never leaves half of one. The SM-2 rules stay with the caller (`schedule`: the
state after, from the state before); this module only stores.

On a SQLite file the writing transaction holds the database's write lock from its start
(BEGIN IMMEDIATE); on PostgreSQL the item's row is read FOR UPDATE before it is changed.
On PostgreSQL a card graded from the state the learner was shown is one statement instead
(data-modifying CTEs, run alone: one round trip where the transaction took one per
statement plus BEGIN and COMMIT), writing the same rows, all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from studyapp.schedulers.fsrs import FsrsState
from studyapp.schedulers.leech import (
    SUSPENDED,
    TAGGED,
    LeechRule,
    leech_lapse,
    with_tag,
    without_tag,
)
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import rows
from studyapp.store.errors import GradeSuperseded
from studyapp.store.rows import day_value
from studyapp.store.runner import Runner

if TYPE_CHECKING:
    from studyapp.store.db import Database

ItemKind = Literal["card", "topic"]
Schedule = Callable[[Sm2State], Sm2State]
Relevel = Callable[[int, Sequence[tuple[int, int, int]]], int]
"""A drill topic's level after a grade, from its level before and its earlier attempts,
newest first, as (level given at, final grade, level move): review/levels.py's rule."""

FsrsStep = Callable[[FsrsState | None], FsrsState]
"""FSRS's state after a grade from its state before (None: the item had none); given once
FSRS's columns are derived (review/fsrs_state.py), so that every grade keeps them in step."""

LevelChange = tuple[int, int]
"""A topic's level (before, after) a grade, when the grade moved it."""


class MistakeUpdate(NamedTuple):
    """How a drill attempt changes the misconceptions it touched (review/misconceptions.py
    holds the rule): their ids, and the rule itself, which gets each one's values before
    (rows.MISTAKE_FIELDS; None for a mistake never made) and returns those it changed."""

    ids: tuple[str, ...]
    apply: Callable[[dict[str, dict[str, Any] | None]], dict[str, dict[str, Any]]]


_NO_LATER_ATTEMPT = 2**62


class Recorded(NamedTuple):
    """What record_grade stored."""

    review_id: int
    after: Sm2State
    attempt_id: int | None
    level_change: LevelChange | None
    leech: int = 0
    """What the grade did to make its card a leech, as TAGGED | SUSPENDED bits
    (schedulers/leech.py); 0 for nothing."""


_NOUN = {"card": ("card", "graded"), "topic": ("topic", "drilled")}


def record_grade(
    db: Database,
    kind: ItemKind,
    item_id: str,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
    schedule: Schedule,
    *,
    shown: Sm2State | None = None,
    shown_fsrs: rows.StoredFsrs | None = None,
    new_title: str | None = None,
    attempt: Mapping[str, Any] | None = None,
    relevel: Relevel | None = None,
    mistakes: MistakeUpdate | None = None,
    fsrs: FsrsStep | None = None,
    leech: LeechRule | None = None,
    cram: bool = False,
) -> Recorded:
    """Apply one grade to an item and log it, in one transaction: the log row's id, the
    item's new state, the drill attempt's row id and how its topic's level moved.

    `schedule` gives the state after from the state before (a same-day repeat: unchanged,
    and the item is not written). With `shown`, the state the learner was shown, a first
    grade is one conditional update (statement claim_*_state) instead of a read and an
    update; the result is the same. With `new_title`, a topic without a row gets one
    (a new state); otherwise a missing item is a LookupError. With `attempt` (a drill
    attempt's stored columns but review_id, level_move and mistakes_before), the attempt is
    logged too, with `relevel` the topic's level follows it, and with `mistakes` the
    misconceptions it touched change (their rows before are kept on the attempt, for undo).
    With `fsrs`, a first grade moves the item's FSRS state too, and its log row keeps the
    state before. With `leech`, a card's lapse that reaches the leech rule tags the card
    `leech` (and suspends it if the rule says so) in this same transaction, and the log row
    says what it did, for undo. With `cram`, the log row is marked as a cram grade (the
    caller passes `repeat` too: a cram grade does not reschedule). On PostgreSQL a card's
    grade with `shown` is one statement (_card_grade_at_once) unless it makes a leech;
    with `fsrs`, `shown_fsrs` (FSRS's columns read with `shown`) spares it a read first.
    """
    fsrs_shown = fsrs is None or repeat or shown_fsrs is not None
    alone = _alone_for_card(db, kind, shown, fsrs_shown, attempt, repeat, schedule, leech)
    if alone is not None and shown is not None:
        recorded = _card_grade_at_once(
            alone, item_id, quality, moment, today, duration_ms, repeat, schedule, cram,
            shown, shown_fsrs, fsrs,
        )  # fmt: skip
        if recorded is not None:
            return recorded
        shown = None  # the card no longer holds the state shown: read it, as below
    with db.writing() as sql:
        before: Sm2State | None = None
        if shown is not None and not repeat:
            after = schedule(shown)
            claim = {
                "item_id": item_id,
                **rows.state_params(after),
                **rows.state_params(shown, "was_"),
            }
            if sql.run(f"claim_{kind}_state", claim) == 1:
                before = shown
        if before is None:
            before = _state_for_update(sql, kind, item_id, new_title)
            after = schedule(before)
            if not repeat:
                sql.run(f"write_{kind}_state", {"item_id": item_id, **rows.state_params(after)})
        log = rows.log_params(
            kind, item_id, before, after, quality, moment, today, duration_ms, repeat
        )
        review_id = int(sql.scalar("insert_log", log))
        made_leech = 0
        if leech is not None and kind == "card" and not repeat and after.lapses > before.lapses:
            made_leech = _make_leech(sql, item_id, after.lapses, leech)
        if made_leech or cram:
            sql.run("mark_review", {"review_id": review_id, "cram": cram, "leech": made_leech})
        if fsrs is not None and not repeat:
            _step_fsrs(sql, kind, item_id, review_id, before, fsrs)
        sql.run(
            "count_grade",
            rows.day_count_params(today, kind, quality, repeat, before, duration_ms),
        )
        attempt_id, change = None, None
        if attempt is not None:
            move = 0
            if relevel is not None:
                level = int(sql.scalar("topic_level", {"item_id": item_id}))
                change = _relevel(sql, item_id, level, _NO_LATER_ATTEMPT, relevel)
                move = change[1] - change[0] if change else 0
            changed, saved = _rethink(sql, mistakes)
            attempt_id = int(
                sql.scalar(
                    "insert_attempt",
                    {
                        "slips": "{}",
                        **attempt,
                        "review_id": review_id,
                        "level_move": move,
                        "mistakes_before": saved,
                    },
                )
            )
            for values in changed.values():
                sql.run("write_mistake", rows.mistake_params(values, attempt_id))
        return Recorded(review_id, after, attempt_id, change, made_leech)


def _alone_for_card(
    db: Database,
    kind: ItemKind,
    shown: Sm2State | None,
    fsrs_shown: bool,
    attempt: Mapping[str, Any] | None,
    repeat: bool,
    schedule: Schedule,
    leech: LeechRule | None,
) -> AbstractContextManager[Runner] | None:
    """Where a grade can be one statement (_card_grade_at_once), the runner to send it on:
    on PostgreSQL (db.alone), for a card graded from the state shown (and FSRS's, when the
    grade moves it), unless the grade is a lapse that makes the card a leech (its tags are
    read and written: the transaction's work). None otherwise."""
    if kind != "card" or shown is None or not fsrs_shown or attempt is not None:
        return None
    alone = db.alone()
    if alone is None or leech is None or repeat:
        return alone
    after = schedule(shown)
    if after.lapses > shown.lapses and leech_lapse(after.lapses, leech.threshold):
        return None
    return alone


def _card_grade_at_once(
    alone: AbstractContextManager[Runner],
    card_id: str,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
    schedule: Schedule,
    cram: bool,
    shown: Sm2State,
    shown_fsrs: rows.StoredFsrs | None,
    fsrs: FsrsStep | None,
) -> Recorded | None:
    """A card's grade as one statement run alone (statements grade_card, grade_card_fsrs,
    repeat_card on PostgreSQL): the rows record_grade's transaction would write, from the
    state the learner was shown (with `fsrs`, FSRS's too: `shown_fsrs`), in one round trip
    instead of one per statement plus BEGIN and COMMIT. None, with nothing written, when
    the card no longer holds the state shown, SM-2's or FSRS's (graded elsewhere since, or
    FSRS's state derived again)."""
    after = schedule(shown)
    log = rows.log_params(
        "card", card_id, shown, after, quality, moment, today, duration_ms, repeat
    )
    counts = rows.day_count_params(today, "card", quality, repeat, shown, duration_ms)
    params = {
        "item_id": card_id,
        **rows.state_params(after),  # also the log row's state after
        **rows.state_params(shown, "was_"),  # also its state before
        **{name: log[name] for name in ("reviewed_at", "day", "quality", "duration_ms", "repeat")},
        "cram": cram,
        **{f"add_{name}": value for name, value in counts.items() if name not in ("day", "kind")},
    }
    statement = "repeat_card" if repeat else "grade_card"
    if fsrs is not None and not repeat and shown_fsrs is not None:
        statement = "grade_card_fsrs"
        prior = rows.fsrs_from_row(shown_fsrs, shown.last_review)
        params |= rows.fsrs_params(fsrs(prior))
        params |= {f"was_{n}": value for n, value in zip(rows.FSRS_FIELDS, shown_fsrs, strict=True)}
        params |= rows.log_fsrs_params(prior)
    with alone as sql:
        review_id = sql.scalar(statement, params)
    if review_id is None:
        return None
    return Recorded(int(review_id), after, None, None, 0)


def _make_leech(sql: Runner, card_id: str, lapses: int, rule: LeechRule) -> int:
    """Tag (and with the rule, suspend) a card whose lapses just reached the leech rule;
    returns what was done as TAGGED | SUSPENDED bits (0: nothing, or not a leech lapse)."""
    if not leech_lapse(lapses, rule.threshold):
        return 0
    found = sql.one("card_leech_state", {"item_id": card_id})
    if found is None:
        return 0
    tags, suspended = str(found[0]), bool(found[1])
    done = (TAGGED if with_tag(tags) != tags else 0) | (
        SUSPENDED if rule.suspend and not suspended else 0
    )
    if done:
        params = {"tags": with_tag(tags), "suspended": suspended or rule.suspend}
        sql.run("write_card_leech", {"item_id": card_id, **params})
    return done


def _unmake_leech(sql: Runner, card_id: str, review_id: int) -> None:
    """Undo of a grade: a leech it made (tag, suspension) is taken back."""
    marks = sql.one("review_marks", {"review_id": review_id})
    done = int(marks[0]) if marks is not None else 0
    if not done:
        return
    found = sql.one("card_leech_state", {"item_id": card_id})
    if found is None:
        return
    tags, suspended = str(found[0]), bool(found[1])
    sql.run(
        "write_card_leech",
        {
            "item_id": card_id,
            "tags": without_tag(tags) if done & TAGGED else tags,
            "suspended": False if done & SUSPENDED else suspended,
        },
    )


def _rethink(
    sql: Runner, mistakes: MistakeUpdate | None
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Apply an attempt's misconception rule to the rows it touched (read locked): the rows
    it changed, and those rows as they were before, as JSON for the attempt (None: none)."""
    if mistakes is None or not mistakes.ids:
        return {}, None
    stored = {id_: sql.one("mistake_row", {"mistake_id": id_}) for id_ in mistakes.ids}
    changed = mistakes.apply(
        {id_: rows.mistake_from_row(row) if row else None for id_, row in stored.items()}
    )
    saved = {
        id_: dict(zip(rows.MISTAKE_COLUMNS, row, strict=True)) if row else None
        for id_, row in stored.items()
        if id_ in changed
    }
    return changed, json.dumps(saved, sort_keys=True) if saved else None


def _step_fsrs(
    sql: Runner, kind: ItemKind, item_id: str, review_id: int, before: Sm2State, fsrs: FsrsStep
) -> None:
    """Move the item's FSRS state by a first grade, and log the state before. Its last
    review is SM-2's, the same day; an item SM-2 saw as new (never graded, or reset)
    starts FSRS afresh."""
    prior = None
    if before.last_review is not None:
        found = sql.one(f"{kind}_fsrs", {"item_id": item_id})
        prior = None if found is None else rows.fsrs_from_row(found, before.last_review)
    sql.run(f"write_{kind}_fsrs", {"item_id": item_id, **rows.fsrs_params(fsrs(prior))})
    sql.run("log_fsrs", {"review_id": review_id, **rows.log_fsrs_params(prior)})


def _logged_fsrs(sql: Runner, review_id: int, before: Sm2State) -> tuple[bool, FsrsState | None]:
    """(whether the grade's log row kept FSRS's state before it, that state)."""
    found = sql.one("review_fsrs", {"review_id": review_id})
    if found is None or found[0] is None:
        return False, None
    if float(found[0]) == 0.0:
        return True, None
    return True, rows.fsrs_from_row(found, before.last_review)


def _relevel(
    sql: Runner, topic_id: str, level: int, before_id: int, relevel: Relevel
) -> LevelChange | None:
    """Apply the level rule to a topic at `level`, with its attempts older than before_id;
    the level is written when it moves."""
    recent = sql.all("recent_attempts", {"item_id": topic_id, "before_id": before_id})
    after = relevel(level, [(int(d), int(q), int(m)) for d, q, m in recent])
    if after == level:
        return None
    sql.run("write_topic_level", {"item_id": topic_id, "level": after})
    return level, after


def set_topic_level(db: Database, topic_id: str, level: int, *, title: str) -> int:
    """The learner's own pick of a topic's level (a topic without a row gets one, titled
    `title`); returns the level it had, so that the pick can be taken back."""
    if level not in (1, 2, 3):
        raise ValueError(f"a level is 1, 2 or 3, not {level}")
    with db.writing() as sql:
        found = sql.one("topic_level", {"item_id": topic_id})
        if found is None:
            _state_for_update(sql, "topic", topic_id, title)
        sql.run("write_topic_level", {"item_id": topic_id, "level": level})
        return int(found[0]) if found is not None else 1


def _state_for_update(sql: Runner, kind: ItemKind, item_id: str, new_title: str | None) -> Sm2State:
    found = sql.one(f"{kind}_state", {"item_id": item_id})
    if found is not None:
        return rows.state_from_row(found)
    if new_title is None:
        raise LookupError(f"{kind} {item_id} no longer exists")
    fresh = Sm2State()
    sql.run(
        "insert_topic",
        {"id": item_id, "title": new_title, "suspended": False, **rows.state_params(fresh)},
    )
    return fresh


def _latest_grade(
    sql: Runner, kind: ItemKind, item_id: str, review_id: int, doing: str
) -> rows.LoggedGrade:
    """The logged grade `review_id` of the item, only while that grade is still the item's
    latest and the item holds the state it left. Otherwise another terminal graded, reset or
    restored the item since; undoing or changing the grade then would rewind that work (or,
    after a restore reused the id, touch another item's grade): GradeSuperseded instead.

    The item's row is locked first, so on PostgreSQL a grade of it elsewhere waits for this
    transaction, or this one waits for it and then sees it; on SQLite the writing
    transaction already holds the database's write lock.
    """
    noun, again = _NOUN[kind]
    item = sql.one(f"{kind}_state", {"item_id": item_id})
    found = sql.one("review_row", {"review_id": review_id})
    logged = rows.LoggedGrade.from_row(found) if found is not None else None
    if item is None or logged is None or logged.kind != kind or logged.item_id != item_id:
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun}'s history was replaced elsewhere"
            " (a restore or a removal)"
        )
    later = {"review_id": review_id, "kind": kind, "item_id": item_id}
    if sql.one("later_grade", later) is not None:
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun} was {again} again elsewhere"
        )
    if rows.state_from_row(item) != logged.after:
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun}'s schedule was changed elsewhere"
            " (graded or reset)"
        )
    return logged


def undo_grade(db: Database, kind: ItemKind, item_id: str, review_id: int) -> None:
    """Take back a logged grade exactly: the item's state before it restored, its log row
    removed and its day's counts taken back; GradeSuperseded when it is no longer the
    item's latest grade (nothing is changed then)."""
    with db.writing() as sql:
        logged = _latest_grade(sql, kind, item_id, review_id, "undone")
        sql.run(f"write_{kind}_state", {"item_id": item_id, **rows.state_params(logged.before)})
        kept, prior = _logged_fsrs(sql, review_id, logged.before)
        if kept:
            sql.run(f"write_{kind}_fsrs", {"item_id": item_id, **rows.fsrs_params(prior)})
        counts = logged.day_count_params()
        sql.run(
            "uncount_grade",
            {
                "at_day": counts.pop("day"),
                "of_kind": counts.pop("kind"),
                **{f"d_{name}": value for name, value in counts.items()},
            },
        )
        if kind == "topic":
            _unlevel(sql, item_id, review_id)
        else:
            _unmake_leech(sql, item_id, review_id)
        sql.run("delete_review", {"review_id": review_id})


def _unlevel(sql: Runner, topic_id: str, review_id: int) -> None:
    """Undo of a drill grade: its attempt goes with it, and a level it moved goes back to
    the level the problem was given at (the only level an attempt can move)."""
    found = sql.one("review_attempt", {"review_id": review_id})
    if found is None:
        return
    _unmistake(sql, review_id)
    _, difficulty, move = found
    if move:
        sql.run("write_topic_level", {"item_id": topic_id, "level": int(difficulty)})
    sql.run("delete_attempt", {"review_id": review_id})


def _unmistake(sql: Runner, review_id: int) -> None:
    """Undo of a drill grade: the misconceptions its attempt changed get their rows back
    as they were before it (a row it created goes). Only while the attempt is still each
    row's latest change: otherwise a later attempt's effect would be lost, and the undo is
    refused (GradeSuperseded), changing nothing."""
    attempt_id, saved = sql.one("attempt_mistakes", {"review_id": review_id}) or (None, None)
    if not saved:
        return
    before: dict[str, dict[str, Any] | None] = json.loads(saved)
    for id_ in before:
        row = sql.one("mistake_row", {"mistake_id": id_})
        if row is None or row[-1] != attempt_id:
            raise GradeSuperseded(
                "This grade can no longer be undone: the mistake it changed was practised"
                " again since"
            )
    for id_, values in before.items():
        if values is None:
            sql.run("delete_mistake", {"mistake_id": id_})
        else:
            sql.run("write_mistake", values)


def regrade(
    db: Database,
    kind: ItemKind,
    item_id: str,
    review_id: int,
    quality: int,
    schedule: Schedule,
    relevel: Relevel | None = None,
    fsrs: FsrsStep | None = None,
) -> tuple[Sm2State, LevelChange | None]:
    """Replace a logged grade's quality (a drill's grade override): the item rescheduled
    from its state before the grade (`schedule`), the log row and its day's counts
    changed to match, and with `relevel` the topic's level decided again from the level it
    had before the grade. GradeSuperseded when it is no longer the item's latest grade.
    With `fsrs`, FSRS's state is moved again from the state the log kept before the grade.
    Returns the new state and how the grade now moves the level."""
    with db.writing() as sql:
        logged = _latest_grade(sql, kind, item_id, review_id, "changed")
        after = schedule(logged.before)
        sql.run(f"write_{kind}_state", {"item_id": item_id, **rows.state_params(after)})
        if fsrs is not None and not logged.repeat:
            kept, prior = _logged_fsrs(sql, review_id, logged.before)
            if kept:
                moved = rows.fsrs_params(fsrs(prior))
                sql.run(f"write_{kind}_fsrs", {"item_id": item_id, **moved})
        delta = int(quality >= 3) - int(logged.quality >= 3)
        if delta:
            learned = rows.retention_class(logged.repeat, logged.before)
            sql.run(
                "regrade_day",
                {
                    "at_day": day_value(logged.day),
                    "of_kind": kind,
                    "d_correct": delta,
                    "d_graded_correct": 0 if logged.repeat else delta,
                    "d_young_passed": delta if learned == "young" else 0,
                    "d_mature_passed": delta if learned == "mature" else 0,
                },
            )
        stored = rows.state_params(after)
        del stored["last_review"]
        sql.run("regrade_review", {"review_id": review_id, "quality": quality, **stored})
        change = None
        found = sql.one("review_attempt", {"review_id": review_id}) if relevel else None
        if found is not None and relevel is not None:
            attempt_id, difficulty, move = (int(value) for value in found)
            level = (
                int(difficulty) if move else int(sql.scalar("topic_level", {"item_id": item_id}))
            )
            if move:  # back to where the grade found it, then decided again
                sql.run("write_topic_level", {"item_id": item_id, "level": level})
            change = _relevel(sql, item_id, level, attempt_id, relevel)
            new_move = change[1] - change[0] if change else 0
            sql.run("write_attempt_move", {"review_id": review_id, "level_move": new_move})
        return after, change
