"""Flashcard review: one sitting over today's queue, each grade committed before the next
card, same-day repeats, exact undo; and the card admin (suspend, reset).

A session is the only writer of schedules. Each grade is one transaction (store.grades),
so a killed app never loses an answered review and never leaves half of one. Following
SM-2's same-day rule, a card graded below 4 goes back into the queue; those re-asks are
logged (`repeat`) but do not reschedule it a second time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.decks.cloze import render_cloze
from studyapp.schedulers.leech import SUSPENDED, LeechRule
from studyapp.schedulers.sm2 import Sm2State, needs_repeat_today, preview_intervals
from studyapp.store import Database, grades, rows
from studyapp.store.errors import GradeSuperseded, NothingToUndo
from studyapp.store.models import Card
from studyapp.store.rows import day_value, store_state
from studyapp.store.runner import CoreRunner, Runner

if TYPE_CHECKING:  # the drills (and NumPy) load only when a drill starts
    pass

from studyapp.decks.path import LearningPath
from studyapp.review.custom import CustomStudy, custom_queue
from studyapp.review.fsrs_state import due_column_suffix, fsrs_preview
from studyapp.review.grading import MAX_CARD_MS, check_quality, fsrs_step_for, schedule_for
from studyapp.review.queues import build_card_queue


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
    template: str = "basic"  # basic | reverse | cloze
    ordinal: int | None = None  # the cloze number this card asks
    fsrs_stored: rows.StoredFsrs | None = None
    """FSRS's columns as read with `state`, passed to the grade (None: not read)."""

    @property
    def is_new(self) -> bool:
        return self.state.due is None

    @property
    def question(self) -> str:
        """What the front shows: a cloze card hides its own gap (decks/cloze.py)."""
        return question_text(self.front, self.template, self.ordinal)

    @property
    def answer_parts(self) -> tuple[tuple[str, bool], ...]:
        """What the back shows, as (text, marked) parts: a cloze card's whole text with its
        gap marked (the screen bolds it), then its extra."""
        if self.template != "cloze" or self.ordinal is None:
            return ((self.back, False),)
        parts = render_cloze(self.front, self.ordinal).back_parts
        return (*parts, ("\n\n" + self.back, False)) if self.back else parts


def question_text(front: str, template: str, ordinal: int | None) -> str:
    """A card's front as the review asks it: a cloze card shows its own gap hidden, the
    other gaps filled; any other card its front as written. Browse lists cards by it."""
    if template != "cloze" or ordinal is None:
        return front
    return render_cloze(front, ordinal).front


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
    """What one grade changed in the session, to take it back: not a copy of the queue
    (tens of thousands of ids at 100,000 cards, walked again by every full collection)."""

    review_id: int
    card_id: str
    repeat: bool  # a same-day repeat: `graded` kept the card's first grade
    returns: bool  # the grade sent the card to the end of the queue for today
    elapsed_ms: int


@dataclass
class ReviewSession:
    """One sitting of flashcard review over today's queue."""

    db: Database
    settings: Settings
    deck_ids: Sequence[str] | None = None
    path: LearningPath | None = None
    """The learning path that decides which decks' new cards come first (none: all open)."""
    custom: CustomStudy | None = None
    """A custom-study session (review/custom.py) instead of today's queue."""
    today: date = field(init=False)
    queue: deque[str] = field(init=False)
    total: int = field(init=False)
    graded: dict[str, int] = field(init=False, default_factory=dict)  # card -> first grade
    repeats: int = field(init=False, default=0)
    elapsed_ms: int = field(init=False, default=0)
    _history: list[_Snapshot] = field(init=False, default_factory=list)
    _current: CardView | None = field(init=False, default=None)
    leech: tuple[CardView, int] | None = field(init=False, default=None)
    """The card the last grade made a leech, and what it did (TAGGED | SUSPENDED bits):
    the review screen tells the learner at once. None after any other grade or an undo."""

    def __post_init__(self) -> None:
        self.today = self.settings.today()
        with self.db.session() as session:
            if self.custom is not None:
                queue = custom_queue(session, self.settings, self.today, self.custom)
            else:
                queue = build_card_queue(
                    session, self.settings, self.today, self.deck_ids, self.path
                )
            self.queue = deque(queue)
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

    def reload_current(self) -> None:
        """Read the current card again at its next use: its text was edited, or an edit
        was undone, while it was shown."""
        self._current = None

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
        if self.settings.scheduler == "fsrs":
            repeat = self._is_repeat(card)
            return fsrs_preview(
                self.db, self.settings, "card", card.id, card.state, self.today, repeat
            )
        if self._is_repeat(card):
            return dict.fromkeys(range(6), card.state.interval)
        return preview_intervals(card.state)

    def _is_repeat(self, card: CardView) -> bool:
        """Whether a grade of `card` now is logged without rescheduling: a same-day re-ask
        (SM-2), in a custom session a card already graded today, and every cram grade."""
        if card.id in self.graded:
            return True
        if self.custom is None:
            return False
        return self.custom.cram or card.state.last_review == self.today

    @property
    def done(self) -> int:
        return len(self.graded) + self.repeats

    @property
    def remaining(self) -> int:
        return len(self.queue)

    def grade(self, quality: int, duration_ms: int = 0) -> Sm2State:
        """Record a grade for the current card, committed before this returns."""
        check_quality(quality)
        card_view = self.current
        if card_view is None:
            raise LookupError("no card to grade: the session is over")
        repeat = self._is_repeat(card_view)
        moment = self.settings.clock.now()
        settings = self.settings
        review_id, after, _, _, leech = grades.record_grade(
            self.db,
            "card",
            card_view.id,
            quality,
            moment,
            self.today,
            min(max(0, int(duration_ms)), MAX_CARD_MS),
            repeat,
            schedule_for(quality, self.today, repeat),
            shown=card_view.state,
            shown_fsrs=card_view.fsrs_stored,
            fsrs=fsrs_step_for(self.settings, quality, self.today),
            leech=LeechRule(settings.leech_threshold, settings.leech_action == "suspend"),
            cram=self.custom is not None and self.custom.cram,
        )
        returns = needs_repeat_today(quality) and not leech & SUSPENDED  # a suspended leech leaves
        counted = card_view.id in self.graded  # `graded` keeps the card's first grade
        self.leech = (card_view, leech) if leech else None
        self._history.append(_Snapshot(review_id, card_view.id, counted, returns, self.elapsed_ms))
        self.queue.popleft()
        self._current = None
        if counted:
            self.repeats += 1
        else:
            self.graded[card_view.id] = quality
        self.elapsed_ms += min(max(0, int(duration_ms)), MAX_CARD_MS)
        if returns:
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
        # Later grades are taken back first, so the card this one sent to the end of the
        # queue is the last one there.
        if snapshot.returns:
            self.queue.pop()
        self.queue.appendleft(snapshot.card_id)
        if snapshot.repeat:
            self.repeats -= 1
        else:
            del self.graded[snapshot.card_id]
        self.elapsed_ms = snapshot.elapsed_ms
        self.leech = None
        self._current = None
        return self.queue[0]

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def summary(self) -> SessionSummary:
        tomorrow = self.today + timedelta(days=1)
        with self.db.reading() as reader:
            due_tomorrow = reader.scalar(
                "due_on_day" + due_column_suffix(self.settings), {"day": day_value(tomorrow)}
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
        result = session.execute(update(Card).where(Card.id == card_id).values(suspended=suspended))
        if not getattr(result, "rowcount", 0):
            raise LookupError(f"no card with id {card_id!r}")


@dataclass(frozen=True)
class CardSchedule:
    """A card's whole schedule (SM-2 and FSRS) and suspension: what reset and suspend
    change, read before they do so that undo puts it back exactly."""

    sm2: Sm2State
    fsrs: tuple[float | None, float | None, date | None]
    suspended: bool


def card_schedule(db: Database, card_id: str) -> CardSchedule:
    with db.session() as session:
        card = session.get(Card, card_id)
        if card is None:
            raise LookupError(f"no card with id {card_id!r}")
        return CardSchedule(
            rows.state_of(card),
            (card.fsrs_stability, card.fsrs_difficulty, card.fsrs_due),
            card.suspended,
        )


def put_card_schedule(db: Database, card_id: str, schedule: CardSchedule) -> None:
    """Write back a schedule read by card_schedule (the undo of reset and suspend)."""
    with db.write_session() as session, session.begin():
        card = session.get(Card, card_id)
        if card is None:
            raise LookupError(f"no card with id {card_id!r}")
        store_state(card, schedule.sm2)
        card.fsrs_stability, card.fsrs_difficulty, card.fsrs_due = schedule.fsrs
        card.suspended = schedule.suspended


def reset_card(db: Database, card_id: str) -> None:
    """Forget a card's schedule: it becomes new again. Its review history is kept."""
    with db.write_session() as session, session.begin():
        card = session.get(Card, card_id)
        if card is None:
            raise LookupError(f"no card with id {card_id!r}")
        store_state(card, Sm2State())
        card.fsrs_stability = card.fsrs_difficulty = card.fsrs_due = None
