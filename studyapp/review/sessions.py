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

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.progress.today import daily_usage
from studyapp.schedulers.sm2 import Sm2State, needs_repeat_today, preview_intervals, review
from studyapp.store import Database, grades, rows
from studyapp.store.grades import GradeSuperseded as GradeSuperseded  # the UI's and tests'
from studyapp.store.grades import NothingToUndo as NothingToUndo
from studyapp.store.models import Card, DrillTopic, active_card
from studyapp.store.rows import day_value, instant_value, store_state
from studyapp.store.rows import state_of as state_of
from studyapp.store.runner import CoreRunner, Runner

if TYPE_CHECKING:  # the drills (and NumPy) load only when a drill starts
    from studyapp.drills import Problem

MAX_CARD_MS = 60_000
"""A card's answer time counts at most 60 s (Anki's default cap): a learner who walks away
mid-card should not turn an afternoon into one review's duration."""
MAX_DRILL_MS = 15 * 60_000
"""A drill is real work, so its cap is 15 minutes."""


def _schedule(quality: int, today: date, repeat: bool) -> grades.Schedule:
    """How a grade moves an item's state (for store.grades): by SM-2, except that a
    same-day repeat is logged without rescheduling."""
    if repeat:
        return lambda before: before
    return lambda before: review(before, quality, today)


def _check_quality(quality: int) -> int:
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"a grade is a whole number from 0 to 5, not {quality!r}")
    return quality


# ------------------------------------------------------------------------------ queues


def build_card_queue(
    session: Session, settings: Settings, today: date, deck_ids: Sequence[str] | None = None
) -> list[str]:
    """Today's card ids: due reviews (most overdue first), then new cards, within the limits."""
    usage = daily_usage(CoreRunner(session), today)  # in the queue's own snapshot
    review_room = max(0, settings.reviews_per_day - usage.reviews_done)
    new_room = max(0, settings.new_per_day - usage.new_seen)
    active = active_card()
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


def _read_card_view(reader: Runner, card_id: str) -> CardView | None:
    """Everything the review screen shows of one card, read as plain values (no ORM
    object per card): on a SQLite file one sqlite3 query, with no SQLAlchemy in between."""
    row = reader.one("card_view", {"card_id": card_id})
    return None if row is None else CardView(**rows.card_view_values(row))


def load_card(session: Session, card_id: str) -> CardView | None:
    return _read_card_view(CoreRunner(session), card_id)


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
        review_id, after, _ = grades.record_grade(
            self.db,
            "card",
            card_view.id,
            quality,
            moment,
            self.today,
            min(max(0, int(duration_ms)), MAX_CARD_MS),
            repeat,
            _schedule(quality, self.today, repeat),
            shown=card_view.state,
        )
        self._history.append(
            _Snapshot(
                review_id,
                card_view.id,
                deque(self.queue),
                dict(self.graded),
                self.repeats,
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

        Only while it is still the card's latest grade (store.grades); otherwise
        GradeSuperseded, and the session forgets its earlier grades too: going back past a
        grade that stays would show its card again as never graded.
        """
        if not self._history:
            raise NothingToUndo("nothing to undo in this session")
        snapshot = self._history[-1]  # kept if the database is locked: u can be tried again
        try:
            grades.undo_grade(self.db, "card", snapshot.card_id, snapshot.review_id)
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
        with self.db.reading() as reader:
            due_tomorrow = reader.scalar("due_on_day", {"day": day_value(tomorrow)})
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
        result = session.execute(update(Card).where(Card.id == card_id).values(suspended=suspended))
        if not getattr(result, "rowcount", 0):
            raise LookupError(f"no card with id {card_id!r}")


def reset_card(db: Database, card_id: str) -> None:
    """Forget a card's schedule: it becomes new again. Its review history is kept."""
    with db.write_session() as session, session.begin():
        card = session.get(Card, card_id)
        if card is None:
            raise LookupError(f"no card with id {card_id!r}")
        store_state(card, Sm2State())


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
        from studyapp.drills import registry

        found = registry().get(topic_id)
        attempt = {
            "topic_id": topic_id,
            "seed": problem.seed,
            "difficulty": problem.difficulty,
            "inputs": json.dumps(problem.inputs),
            "expected": json.dumps(problem.answer),
            "typed": typed,
            "outcome": outcome,
            "correct": outcome == "correct",
            "hint_used": self.hint_used,
            "attempted_at": instant_value(moment.astimezone(UTC)),
            "day": day_value(self.today),
            "duration_ms": max(0, duration_ms),
        }
        review_id, _, attempt_id = grades.record_grade(
            self.db,
            "topic",
            topic_id,
            quality,
            moment,
            self.today,
            min(max(0, duration_ms), MAX_DRILL_MS),
            repeat,
            _schedule(quality, self.today, repeat),
            new_title=found.title if found else "",
            attempt=attempt,
        )
        assert attempt_id is not None
        self.record = DrillRecord(attempt_id, review_id, outcome, quality, repeat)
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
        topic_id = self.problem.topic
        grades.regrade(
            self.db,
            "topic",
            topic_id,
            record.review_id,
            quality,
            _schedule(quality, self.today, record.repeat),
        )
        if not record.repeat:
            self.graded[topic_id] = quality
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
