"""Review and drill sessions: today's queue, recording grades, same-day repeats, exact undo.

A session is the only writer of schedules. Each grade is one transaction — the item's new
SM-2 state and its log row together — committed before the next item is handed out, so a
killed app never loses an answered review and never leaves half of one. Following SM-2's
same-day rule, an item graded below 4 goes back into the queue; those re-asks are logged
(`repeat`) but do not reschedule the item a second time.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.progress.today import daily_usage
from studyapp.review.sm2 import Sm2State, needs_repeat_today, preview_intervals, review
from studyapp.store import Database, totals
from studyapp.store.models import Card, DrillAttempt, DrillTopic, Review
from studyapp.store.plain import PlainSql, SqlAlchemySql
from studyapp.store.types import day_from_value, day_value, ease_value, instant_value

if TYPE_CHECKING:  # the drills (and NumPy) load only when a drill starts
    from studyapp.drills import Problem

ItemKind = Literal["card", "topic"]

MAX_CARD_MS = 60_000
"""A card's answer time counts at most 60 s (Anki's default cap): a learner who walks away
mid-card should not turn an afternoon into one review's duration."""
MAX_DRILL_MS = 15 * 60_000
"""A drill is real work, so its cap is 15 minutes."""


class NothingToUndo(LookupError):
    """Raised by undo when no grade of this session is left to take back."""


class GradeSuperseded(NothingToUndo):
    """Raised by undo (and a drill's grade override) when the grade is no longer its
    item's latest: another terminal graded, reset or restored the item since, and taking
    the grade back would rewind that work. Nothing is changed."""


def state_of(item: Card | DrillTopic) -> Sm2State:
    """The SM-2 state stored on a card or topic row."""
    return Sm2State(
        easiness=item.easiness,
        repetitions=item.repetitions,
        interval=item.interval,
        due=item.due,
        lapses=item.lapses,
        last_review=item.last_review,
    )


def _store_state(item: Card | DrillTopic, state: Sm2State) -> None:
    item.easiness, item.repetitions, item.interval = state.easiness, state.repetitions, state.interval
    item.due, item.lapses, item.last_review = state.due, state.lapses, state.last_review


def _log_values(
    kind: ItemKind,
    item_id: str,
    before: Sm2State,
    after: Sm2State,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
) -> dict[str, Any]:
    """The columns of one review-log row, as a plain dict: the card hot path inserts it
    with Core, without building an ORM object."""
    return {
        "kind": kind,
        "item_id": item_id,
        "reviewed_at": moment.astimezone(UTC),
        "day": today,
        "quality": quality,
        "duration_ms": min(
            max(0, int(duration_ms)), MAX_CARD_MS if kind == "card" else MAX_DRILL_MS
        ),
        "repeat": repeat,
        "prev_easiness": before.easiness,
        "prev_repetitions": before.repetitions,
        "prev_interval": before.interval,
        "prev_due": before.due,
        "prev_lapses": before.lapses,
        "prev_last_review": before.last_review,
        "easiness": after.easiness,
        "repetitions": after.repetitions,
        "interval": after.interval,
        "due": after.due,
        "lapses": after.lapses,
    }


def _log_row(
    kind: ItemKind,
    item_id: str,
    before: Sm2State,
    after: Sm2State,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
) -> Review:
    return Review(
        **_log_values(kind, item_id, before, after, quality, moment, today, duration_ms, repeat)
    )


def _restore_from_log(item: Card | DrillTopic, row: Review) -> None:
    item.easiness, item.repetitions, item.interval = (
        row.prev_easiness,
        row.prev_repetitions,
        row.prev_interval,
    )
    item.due, item.lapses, item.last_review = row.prev_due, row.prev_lapses, row.prev_last_review


def _after_state(row: Review) -> Sm2State:
    """The state a logged grade left its item in. The log keeps no last review after: a
    grade sets it to the row's own day, a same-day repeat leaves it as it was."""
    return Sm2State(
        row.easiness, row.repetitions, row.interval, row.due, row.lapses,
        row.prev_last_review if row.repeat else row.day,
    )


def _latest_grade(
    session: Session, kind: ItemKind, item_id: str, review_id: int, doing: str
) -> tuple[Card | DrillTopic, Review]:
    """The item and its logged grade `review_id`, only while that grade is still the item's
    latest and the item holds the state it left. Otherwise another terminal graded, reset or
    restored the item since; undoing or changing the grade then would rewind that work (or,
    after a restore reused the id, touch another item's grade): GradeSuperseded instead.

    The item's row is locked first, so on PostgreSQL a grade of it elsewhere waits for this
    transaction, or this one waits for it and then sees it; on SQLite the writing
    transaction already holds the database's write lock.
    """
    item: Card | DrillTopic | None
    if kind == "card":
        item, noun, again = session.get(Card, item_id, with_for_update=True), "card", "graded"
    else:
        item, noun, again = session.get(DrillTopic, item_id, with_for_update=True), "topic", "drilled"
    row = session.get(Review, review_id)
    if item is None or row is None or row.kind != kind or row.item_id != item_id:
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun}'s history was replaced elsewhere"
            " (a restore or a removal)"
        )
    later = select(Review.id).where(
        Review.id > review_id, Review.kind == kind, Review.item_id == item_id
    )  # an id range from this grade on: no full scan of the log
    if session.scalar(later.limit(1)) is not None:
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun} was {again} again elsewhere"
        )
    if state_of(item) != _after_state(row):
        raise GradeSuperseded(
            f"This grade can no longer be {doing}: the {noun}'s schedule was changed elsewhere"
            " (graded or reset)"
        )
    return item, row


def _uncount(session: Session, row: Review) -> None:
    """Take a logged grade back out of its day's totals (undo)."""
    totals.add_to_day(
        session.connection(), row.day, row.kind, row.quality, row.repeat,
        row.prev_due is None, row.duration_ms, sign=-1,
    )


def _check_quality(quality: int) -> int:
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"a grade is a whole number from 0 to 5, not {quality!r}")
    return quality


# ------------------------------------------------------------------------------ queues


def build_card_queue(
    session: Session, settings: Settings, today: date, deck_ids: Sequence[str] | None = None
) -> list[str]:
    """Today's card ids: due reviews (most overdue first), then new cards, within the limits."""
    usage = daily_usage(SqlAlchemySql(session), today)  # in the queue's own snapshot
    review_room = max(0, settings.reviews_per_day - usage.reviews_done)
    new_room = max(0, settings.new_per_day - usage.new_seen)
    active = (Card.suspended == false(), Card.retired == false())
    due = (
        select(Card.id)
        .where(*active, Card.due.is_not(None), Card.due <= today)
        .order_by(Card.due, Card.position)
        .limit(review_room)
    )
    new = select(Card.id).where(*active, Card.due.is_(None)).order_by(Card.position).limit(new_room)
    if deck_ids:
        due = due.where(Card.deck_id.in_(deck_ids))
        new = new.where(Card.deck_id.in_(deck_ids))
    return list(session.scalars(due)) + list(session.scalars(new))


def build_topic_queue(session: Session, today: date) -> list[str]:
    """Drill topics due today (most overdue first), then topics never drilled, in id order."""
    from studyapp.drills import registry

    known = set(registry())
    active = (DrillTopic.suspended == false(),)
    due = (
        select(DrillTopic.id)
        .where(*active, DrillTopic.due.is_not(None), DrillTopic.due <= today)
        .order_by(DrillTopic.due, DrillTopic.id)
    )
    new = select(DrillTopic.id).where(*active, DrillTopic.due.is_(None)).order_by(DrillTopic.id)
    return [t for t in [*session.scalars(due), *session.scalars(new)] if t in known]


# ------------------------------------------------------------------------------ reviews


@dataclass(frozen=True)
class CardView:
    """Everything the review screen shows of one card."""

    id: str
    deck_id: str
    deck_name: str
    front: str
    back: str
    mnemonic: str | None
    why: str | None
    source: str | None
    tags: tuple[str, ...]
    state: Sm2State

    @property
    def is_new(self) -> bool:
        return self.state.due is None


# Every column the review screen shows, read as plain values (no ORM object per card);
# the SM-2 columns come last, in Sm2State's field order. Plain SQL through a store PlainSql:
# on a SQLite file each next card is one sqlite3 query, with no SQLAlchemy in between.
_LOAD_CARD = """
SELECT cards.id, cards.deck_id, decks.name, front, back, mnemonic, why, source, tags,
       easiness, repetitions, interval, due, lapses, last_review
FROM cards JOIN decks ON decks.id = cards.deck_id WHERE cards.id = :card_id
"""


def _read_card_view(reader: PlainSql, card_id: str) -> CardView | None:
    row = reader.one(_LOAD_CARD, {"card_id": card_id})
    if row is None:
        return None
    id_, deck_id, deck_name, front, back, mnemonic, why, source, tags, *state = row
    return CardView(
        id=id_,
        deck_id=deck_id,
        deck_name=deck_name,
        front=front,
        back=back,
        mnemonic=mnemonic,
        why=why,
        source=source,
        tags=tuple(tags.split()),
        state=_state_from_row(state),
    )


def load_card(session: Session, card_id: str) -> CardView | None:
    return _read_card_view(SqlAlchemySql(session), card_id)


# The statements of the review hot path, in plain SQL (store/plain.py): on a SQLite file
# a grade is four sqlite3 statements and a commit, with no SQLAlchemy work in between.
_STATE_COLUMNS = ("easiness", "repetitions", "interval", "due", "lapses", "last_review")
_READ_STATE = (
    "SELECT easiness, repetitions, interval, due, lapses, last_review FROM cards "
    "WHERE id = :card_id{for_update}"
)
_WRITE_STATE = (
    "UPDATE cards SET easiness = :easiness, repetitions = :repetitions, interval = :interval, "
    "due = :due, lapses = :lapses, last_review = :last_review WHERE id = :card_id"
)
# The same update, applied only while the card still holds the state the session showed
# (NULL-safe on due and last_review). When it matches — the usual case — the read above is
# not needed: the shown state is the state before. When another writer got there first it
# changes nothing, and the grade falls back to read-then-write.
_CLAIM_STATE = (
    _WRITE_STATE
    + " AND easiness = :was_easiness AND repetitions = :was_repetitions"
    " AND interval = :was_interval AND due {is} :was_due AND lapses = :was_lapses"
    " AND last_review {is} :was_last_review"
)
_LOG_COLUMNS = (
    "kind", "item_id", "reviewed_at", "day", "quality", "duration_ms", "repeat",
    *(f"prev_{name}" for name in _STATE_COLUMNS),
    *_STATE_COLUMNS[:-1],  # the log keeps no "last review after": it is the row's own day
)
_INSERT_LOG = (
    f"INSERT INTO reviews ({', '.join(_LOG_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _LOG_COLUMNS)}) RETURNING id"
)


def _stored_state(state: Sm2State, prefix: str = "") -> dict[str, Any]:
    """An SM-2 state as stored (store/types.py), as parameters named `prefix` + column."""
    return {
        f"{prefix}easiness": ease_value(state.easiness),
        f"{prefix}repetitions": state.repetitions,
        f"{prefix}interval": state.interval,
        f"{prefix}due": day_value(state.due),
        f"{prefix}lapses": state.lapses,
        f"{prefix}last_review": day_value(state.last_review),
    }


def _state_from_row(row: Sequence[Any]) -> Sm2State:
    """An SM-2 state from its stored columns, in _STATE_COLUMNS order."""
    easiness, repetitions, interval, due, lapses, last_review = row
    return Sm2State(
        easiness / 100, repetitions, interval, day_from_value(due), lapses,
        day_from_value(last_review),
    )


def record_card_grade(
    db: Database,
    card_id: str,
    quality: int,
    moment: datetime,
    today: date,
    duration_ms: int,
    repeat: bool,
    shown: Sm2State | None = None,
) -> tuple[int, Sm2State]:
    """Apply one grade to a card and log it, in one transaction: (log row id, new state).

    The hot path of every review, so it is plain SQL (store/plain.py) rather than the
    ORM's unit of work. With `shown`, the state the learner was shown, a first grade is
    one conditional update instead of a read and an update (the result is the same; see
    _CLAIM_STATE). A same-day repeat is logged without rescheduling.
    """
    with db.writing() as sql:
        before: Sm2State | None = None
        if shown is not None and not repeat:
            after = review(shown, quality, today)
            claim = {"card_id": card_id, **_stored_state(after), **_stored_state(shown, "was_")}
            if sql.run(_CLAIM_STATE, claim) == 1:
                before = shown
        if before is None:
            found = sql.one(_READ_STATE, {"card_id": card_id})
            if found is None:
                raise LookupError(f"card {card_id} no longer exists")
            before = _state_from_row(found)
            after = before if repeat else review(before, quality, today)
            if not repeat:
                sql.run(_WRITE_STATE, {"card_id": card_id, **_stored_state(after)})
        log = _log_values(
            "card", card_id, before, after, quality, moment, today, duration_ms, repeat
        )
        review_id = sql.scalar(_INSERT_LOG, _stored_log(log))
        totals.count_grade(
            sql, today, "card", quality, repeat, before.due is None, log["duration_ms"]
        )
        return int(review_id), after


def _stored_log(log: dict[str, Any]) -> dict[str, Any]:
    """A review-log row of _log_values in its stored form, for _INSERT_LOG."""
    stored = dict(log)
    stored["reviewed_at"] = instant_value(log["reviewed_at"])
    for name in ("day", "prev_due", "prev_last_review", "due"):
        stored[name] = day_value(log[name])
    for name in ("prev_easiness", "easiness"):
        stored[name] = ease_value(log[name])
    return stored


@dataclass(frozen=True)
class SessionSummary:
    """The end-of-session card: what was done, how well, how long, and what comes tomorrow."""

    graded: int
    cards: int
    correct: int
    repeats: int
    seconds: float
    due_tomorrow: int


@dataclass
class _Snapshot:
    review_id: int
    card_id: str
    queue: deque[str]
    graded: dict[str, int]
    repeats: int
    elapsed_ms: int


@dataclass
class ReviewSession:
    """One sitting of flashcard review over today's queue."""

    db: Database
    settings: Settings
    deck_ids: Sequence[str] | None = None
    today: date = field(init=False)
    queue: deque[str] = field(init=False)
    total: int = field(init=False)
    graded: dict[str, int] = field(init=False, default_factory=dict)  # card -> first grade
    repeats: int = field(init=False, default=0)
    elapsed_ms: int = field(init=False, default=0)
    _history: list[_Snapshot] = field(init=False, default_factory=list)
    _current: CardView | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.today = self.settings.today()
        with self.db.session() as session:
            self.queue = deque(build_card_queue(session, self.settings, self.today, self.deck_ids))
        self.total = len(self.queue)

    @property
    def current(self) -> CardView | None:
        """The card to show now, or None when the session is over."""
        while self.queue:
            if self._current is not None and self._current.id == self.queue[0]:
                return self._current
            with self.db.reading() as reader:
                self._current = _read_card_view(reader, self.queue[0])
            if self._current is not None:
                return self._current
            self.queue.popleft()  # deleted under us: skip it
        return None

    @property
    def is_repeat(self) -> bool:
        """True when the current card was already graded today in this session."""
        card = self.current
        return card is not None and card.id in self.graded

    def intervals(self) -> dict[int, int]:
        """Grade -> the interval in days it would give the current card. A same-day repeat
        does not reschedule, so every grade keeps the interval set by the first one; grades
        below 4 also bring the card back later in this session (`needs_repeat_today`)."""
        card = self.current
        if card is None:
            return {}
        if card.id in self.graded:
            return dict.fromkeys(range(6), card.state.interval)
        return preview_intervals(card.state)

    @property
    def done(self) -> int:
        return len(self.graded) + self.repeats

    @property
    def remaining(self) -> int:
        return len(self.queue)

    def grade(self, quality: int, duration_ms: int = 0) -> Sm2State:
        """Record a grade for the current card, committed before this returns."""
        _check_quality(quality)
        card_view = self.current
        if card_view is None:
            raise LookupError("no card to grade: the session is over")
        repeat = card_view.id in self.graded
        moment = self.settings.clock.now()
        review_id, after = record_card_grade(
            self.db, card_view.id, quality, moment, self.today, duration_ms, repeat,
            shown=card_view.state,
        )
        self._history.append(
            _Snapshot(
                review_id, card_view.id, deque(self.queue), dict(self.graded), self.repeats,
                self.elapsed_ms,
            )
        )
        self.queue.popleft()
        self._current = None
        if repeat:
            self.repeats += 1
        else:
            self.graded[card_view.id] = quality
        self.elapsed_ms += min(max(0, int(duration_ms)), MAX_CARD_MS)
        if needs_repeat_today(quality):
            self.queue.append(card_view.id)
        return after

    def undo(self) -> str:
        """Take back the last grade exactly: state restored, log row removed, card shown again.

        Only while it is still the card's latest grade (_latest_grade); otherwise
        GradeSuperseded, and the session forgets its earlier grades too: going back past a
        grade that stays would show its card again as never graded.
        """
        if not self._history:
            raise NothingToUndo("nothing to undo in this session")
        snapshot = self._history[-1]  # kept if the database is locked: u can be tried again
        try:
            with self.db.write_session() as session, session.begin():
                card, row = _latest_grade(
                    session, "card", snapshot.card_id, snapshot.review_id, "undone"
                )
                _restore_from_log(card, row)
                _uncount(session, row)
                session.delete(row)
        except GradeSuperseded:
            self._history.clear()
            raise
        self._history.pop()
        self.queue, self.graded = snapshot.queue, snapshot.graded
        self.repeats, self.elapsed_ms = snapshot.repeats, snapshot.elapsed_ms
        self._current = None
        return self.queue[0]

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def summary(self) -> SessionSummary:
        tomorrow = self.today + timedelta(days=1)
        with self.db.session() as session:
            due_tomorrow = session.scalar(
                select(func.count())
                .select_from(Card)
                .where(Card.suspended == false(), Card.retired == false(), Card.due == tomorrow)
            )
        return SessionSummary(
            graded=self.done,
            cards=len(self.graded),
            correct=sum(1 for q in self.graded.values() if q >= 3),
            repeats=self.repeats,
            seconds=self.elapsed_ms / 1000,
            due_tomorrow=int(due_tomorrow or 0),
        )


# ------------------------------------------------------------------------------ card admin


def set_suspended(db: Database, card_id: str, suspended: bool) -> None:
    """Suspend a card (it leaves every queue, keeps its schedule) or bring it back."""
    with db.write_session() as session, session.begin():
        result = session.execute(
            update(Card).where(Card.id == card_id).values(suspended=suspended)
        )
        if not getattr(result, "rowcount", 0):
            raise LookupError(f"no card with id {card_id!r}")


def reset_card(db: Database, card_id: str) -> None:
    """Forget a card's schedule: it becomes new again. Its review history is kept."""
    with db.write_session() as session, session.begin():
        card = session.get(Card, card_id)
        if card is None:
            raise LookupError(f"no card with id {card_id!r}")
        _store_state(card, Sm2State())


# ------------------------------------------------------------------------------ drills

Outcome = Literal["correct", "wrong", "gave_up"]


def derived_quality(outcome: Outcome, hint_used: bool) -> int:
    """The SM-2 grade a drill outcome earns unless the learner overrides it.

    Right without help is a 5, right after the hint a 3 (recalled with serious
    difficulty), a wrong answer a 1, giving up a 0.
    """
    if outcome == "correct":
        return 3 if hint_used else 5
    return 1 if outcome == "wrong" else 0


@dataclass(frozen=True)
class DrillRecord:
    """A recorded drill attempt: the verdict's outcome and the grade it gave the topic."""

    attempt_id: int
    review_id: int
    outcome: Outcome
    quality: int
    repeat: bool


@dataclass
class DrillSession:
    """Drill practice: each due topic in turn, a fresh random instance every time.

    With `topic_ids`, the session practises just those topics, over and over, until the
    learner stops (the first grade of each reschedules it; later ones are same-day repeats).
    """

    db: Database
    settings: Settings
    topic_ids: Sequence[str] | None = None
    difficulty: int = 1
    seed: int | None = None
    today: date = field(init=False)
    queue: deque[str] = field(init=False)
    graded: dict[str, int] = field(init=False, default_factory=dict)
    problem: Problem | None = field(init=False, default=None)
    hint_used: bool = field(init=False, default=False)
    record: DrillRecord | None = field(init=False, default=None)
    attempts: int = field(init=False, default=0)
    correct: int = field(init=False, default=0)
    _rng: random.Random = field(init=False)
    _shown_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.settings.today()
        self._rng = random.Random(self.seed)
        if self.topic_ids:
            self.queue = deque(self.topic_ids)
        else:
            with self.db.session() as session:
                self.queue = deque(build_topic_queue(session, self.today))
        self._new_problem()

    def _new_problem(self) -> None:
        self.hint_used, self.record = False, None
        self._shown_at = self.settings.clock.now()
        if not self.queue and self.topic_ids:
            self.queue.extend(self.topic_ids)
        self.problem = (
            _make_problem(self.queue[0], self._rng.randrange(2**31), self.difficulty)
            if self.queue
            else None
        )

    def hint(self) -> str:
        """The first worked step; using it before answering lowers the derived grade."""
        if self.problem is None:
            raise LookupError("no problem to hint at")
        if self.record is None:
            self.hint_used = True
        return self.problem.hint

    def submit(self, typed: str) -> Any:
        """Check a typed answer. Unreadable input is returned as such and records nothing."""
        from studyapp.answers import check_answer

        if self.problem is None:
            raise LookupError("no problem to answer")
        if self.record is not None:
            raise LookupError("this problem is already answered; go to the next one")
        verdict = check_answer(typed, self.problem)
        if verdict.outcome != "unreadable":
            self._record(verdict.outcome, typed)
        return verdict

    def give_up(self) -> DrillRecord:
        """Show the solution without answering: graded 0."""
        if self.problem is None or self.record is not None:
            raise LookupError("nothing to give up on")
        return self._record("gave_up", "")

    def _record(self, outcome: Outcome, typed: str) -> DrillRecord:
        assert self.problem is not None
        problem, topic_id = self.problem, self.problem.topic
        quality = derived_quality(outcome, self.hint_used)
        repeat = topic_id in self.graded
        moment = self.settings.clock.now()
        # In UTC: two wall times in one ZoneInfo zone subtract naively across a DST change.
        elapsed = moment.astimezone(UTC) - self._shown_at.astimezone(UTC)
        duration_ms = min(int(elapsed.total_seconds() * 1000), MAX_DRILL_MS)
        with self.db.write_session() as session, session.begin():
            topic = _topic_row(session, topic_id)
            before = state_of(topic)
            after = before if repeat else review(before, quality, self.today)
            _store_state(topic, after)
            row = _log_row(
                "topic", topic_id, before, after, quality, moment, self.today, duration_ms, repeat
            )
            session.add(row)
            session.flush()
            totals.add_to_day(
                session.connection(), self.today, "topic", quality, repeat,
                before.due is None, row.duration_ms,
            )
            attempt = DrillAttempt(
                topic_id=topic_id,
                seed=problem.seed,
                difficulty=problem.difficulty,
                inputs=json.dumps(problem.inputs),
                expected=json.dumps(problem.answer),
                typed=typed,
                outcome=outcome,
                correct=outcome == "correct",
                hint_used=self.hint_used,
                attempted_at=moment.astimezone(UTC),
                day=self.today,
                duration_ms=max(0, duration_ms),
                review_id=row.id,
            )
            session.add(attempt)
            session.flush()
            self.record = DrillRecord(attempt.id, row.id, outcome, quality, repeat)
        if not repeat:
            self.graded[topic_id] = quality
        self.attempts += 1
        self.correct += outcome == "correct"
        return self.record

    def override(self, quality: int) -> DrillRecord:
        """Replace the derived grade of the answered problem with the learner's own."""
        _check_quality(quality)
        if self.record is None:
            raise LookupError("answer the problem before grading it")
        record = self.record
        assert self.problem is not None  # answered, so still on screen
        with self.db.write_session() as session, session.begin():
            topic, row = _latest_grade(
                session, "topic", self.problem.topic, record.review_id, "changed"
            )
            before = Sm2State(
                row.prev_easiness,
                row.prev_repetitions,
                row.prev_interval,
                row.prev_due,
                row.prev_lapses,
                row.prev_last_review,
            )
            after = before if record.repeat else review(before, quality, self.today)
            _store_state(topic, after)
            totals.regrade(session.connection(), row.day, "topic", row.quality, quality, row.repeat)
            row.quality = quality
            row.easiness, row.repetitions, row.interval = (
                after.easiness,
                after.repetitions,
                after.interval,
            )
            row.due, row.lapses = after.due, after.lapses
        if not record.repeat:
            self.graded[row.item_id] = quality
        self.record = replace(record, quality=quality)
        return self.record

    def next(self) -> Problem | None:
        """Move on: a topic graded below 4 comes back later today with a new instance."""
        if self.queue:
            topic_id = self.queue.popleft()
            if self.record is not None and needs_repeat_today(self.record.quality):
                self.queue.append(topic_id)
        self._new_problem()
        return self.problem


def _make_problem(topic_id: str, seed: int, difficulty: int) -> Problem:
    from studyapp.drills import make_problem

    return make_problem(topic_id, seed, difficulty)


def _topic_row(session: Session, topic_id: str) -> DrillTopic:
    topic = session.get(DrillTopic, topic_id, with_for_update=True)
    if topic is None:
        from studyapp.drills import registry

        found = registry().get(topic_id)
        topic = DrillTopic(id=topic_id, title=found.title if found else "")
        _store_state(topic, Sm2State())
        session.add(topic)
    return topic
