"""Drill practice: each due topic in turn, a fresh random problem every time, the grade
derived from the outcome, and the learner's own grade in its place when they change it."""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from studyapp.config import Settings
from studyapp.schedulers.sm2 import needs_repeat_today
from studyapp.store import Database, grades
from studyapp.store.rows import day_value, instant_value

if TYPE_CHECKING:  # the drills (and NumPy) load only when a drill starts
    from studyapp.drills import Problem

from studyapp.decks.path import LearningPath
from studyapp.review.grading import MAX_DRILL_MS, check_quality, fsrs_step_for, schedule_for
from studyapp.review.levels import Past, level_after
from studyapp.review.levels import level_note as level_note  # for the drill screen
from studyapp.review.queues import build_topic_queue

Outcome = Literal["correct", "wrong", "gave_up"]


def derived_quality(
    outcome: Outcome, hint_used: bool, one_slip: bool = False, step_wrong: bool = False
) -> int:
    """The SM-2 grade a drill outcome earns unless the learner overrides it.

    Right without help is a 5, right after the hint a 3 (recalled with serious
    difficulty), a wrong answer a 1, giving up a 0. Worked step by step, the grade follows the
    first wrong step rather than the cascade after it: one slip with every later step right
    from the learner's own values is a 2 (the method was there), and a right answer with a
    wrong step on the way a 4 (3 after the hint).
    """
    if outcome == "correct":
        return 3 if hint_used else 4 if step_wrong else 5
    if outcome == "wrong":
        return 2 if one_slip else 1
    return 0


def typed_steps(typed: Mapping[str, str]) -> str:
    """Filled checkpoints as one line, `name=value; …`, the way `studyapp check` reads them."""
    return "; ".join(f"{name}={text.strip()}" for name, text in typed.items() if text.strip())


@dataclass(frozen=True)
class DrillRecord:
    """A recorded drill attempt: the verdict's outcome and the grade it gave the topic."""

    attempt_id: int
    review_id: int
    outcome: Outcome
    quality: int
    repeat: bool
    level_before: int
    """The topic's level when the problem was answered (what an override decides from)."""
    derived: int = -1
    """The grade the outcome earned (`quality` is the learner's own after an override)."""


@dataclass
class DrillSession:
    """Drill practice: each due topic in turn, a fresh random instance every time.

    With `topic_ids`, the session practises just those topics, over and over, until the
    learner stops (the first grade of each reschedules it; later ones are same-day repeats).
    Each problem comes at its topic's level (review/levels.py moves it), unless an explicit
    `difficulty` asks for every problem at that level.
    """

    db: Database
    settings: Settings
    topic_ids: Sequence[str] | None = None
    difficulty: int | None = None
    seed: int | None = None
    levels: dict[str, int] = field(init=False)
    level_change: tuple[int, int] | None = field(init=False, default=None)
    """How the last grade moved its topic's level (before, after), or None."""
    path: LearningPath | None = None
    """The learning path that decides which new topics come first (none: all open)."""
    today: date = field(init=False)
    queue: deque[str] = field(init=False)
    graded: dict[str, int] = field(init=False, default_factory=dict)
    problem: Problem | None = field(init=False, default=None)
    hint_used: bool = field(init=False, default=False)
    record: DrillRecord | None = field(init=False, default=None)
    verdict: Any = field(init=False, default=None)
    """The last submission's Verdict or StepVerdict, readable or not."""
    attempts: int = field(init=False, default=0)
    correct: int = field(init=False, default=0)
    _rng: random.Random = field(init=False)
    _shown_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.settings.today()
        self._rng = random.Random(self.seed)
        from studyapp.progress.stats import topic_levels

        with self.db.session() as session:
            self.levels = topic_levels(session)
            if self.topic_ids:
                self.queue = deque(self.topic_ids)
            else:
                self.queue = deque(build_topic_queue(session, self.settings, self.today, self.path))
        self._new_problem()

    def level_of(self, topic_id: str) -> int:
        """The topic's level, as this session last stored or read it."""
        return self.levels.get(topic_id, 1)

    def _new_problem(self) -> None:
        self.hint_used, self.record, self.level_change = False, None, None
        self.verdict = None
        self._shown_at = self.settings.clock.now()
        if not self.queue and self.topic_ids:
            self.queue.extend(self.topic_ids)
        if self.queue:
            topic_id = self.queue[0]
            level = self.difficulty or self.level_of(topic_id)
            self.problem = _make_problem(topic_id, self._rng.randrange(2**31), level)
        else:
            self.problem = None

    def hint(self) -> str:
        """The first worked step; using it before answering lowers the derived grade."""
        if self.problem is None:
            raise LookupError("no problem to hint at")
        if self.record is None:
            self.hint_used = True
        return self.problem.hint

    def submit(self, typed: str | Mapping[str, str]) -> Any:
        """Check a typed answer, or the filled checkpoints by name (a StepVerdict then).
        Unreadable input is returned as such and records nothing."""
        from studyapp.answers import check_answer
        from studyapp.answers.steps import grade_steps

        if self.problem is None:
            raise LookupError("no problem to answer")
        if self.record is not None:
            raise LookupError("this problem is already answered; go to the next one")
        if isinstance(typed, str):
            verdict = check_answer(typed, self.problem)
            if verdict.outcome != "unreadable":
                self._record(verdict.outcome, typed)
            self.verdict = verdict
            return verdict
        steps = grade_steps(self.problem, typed)
        if steps.outcome != "unreadable":
            step_wrong = steps.first_wrong is not None
            self._record(steps.outcome, typed_steps(typed), steps.one_slip, step_wrong)
        self.verdict = steps
        return steps

    def give_up(self) -> DrillRecord:
        """Show the solution without answering: graded 0."""
        if self.problem is None or self.record is not None:
            raise LookupError("nothing to give up on")
        return self._record("gave_up", "")

    def _record(
        self, outcome: Outcome, typed: str, one_slip: bool = False, step_wrong: bool = False
    ) -> DrillRecord:
        assert self.problem is not None
        problem, topic_id = self.problem, self.problem.topic
        quality = derived_quality(outcome, self.hint_used, one_slip, step_wrong)
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
        level_before = self.level_of(topic_id)
        review_id, _, attempt_id, change = grades.record_grade(
            self.db,
            "topic",
            topic_id,
            quality,
            moment,
            self.today,
            min(max(0, duration_ms), MAX_DRILL_MS),
            repeat,
            schedule_for(quality, self.today, repeat),
            new_title=found.title if found else "",
            attempt=attempt,
            relevel=_relevel(problem.difficulty, quality, repeat),
            fsrs=fsrs_step_for(self.settings, quality, self.today),
        )
        assert attempt_id is not None
        if change is not None:
            level_before, self.levels[topic_id] = change
        self.level_change = change
        self.record = DrillRecord(
            attempt_id, review_id, outcome, quality, repeat, level_before, quality
        )
        if not repeat:
            self.graded[topic_id] = quality
        self.attempts += 1
        self.correct += outcome == "correct"
        return self.record

    def override(self, quality: int) -> DrillRecord:
        """Replace the derived grade of the answered problem with the learner's own."""
        check_quality(quality)
        if self.record is None:
            raise LookupError("answer the problem before grading it")
        record = self.record
        assert self.problem is not None  # answered, so still on screen
        topic_id = self.problem.topic
        _, change = grades.regrade(
            self.db,
            "topic",
            topic_id,
            record.review_id,
            quality,
            schedule_for(quality, self.today, record.repeat),
            _relevel(self.problem.difficulty, quality, record.repeat),
            fsrs=fsrs_step_for(self.settings, quality, self.today),
        )
        self.levels[topic_id] = change[1] if change else record.level_before
        self.level_change = change
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


def _relevel(given_at: int, quality: int, repeat: bool) -> grades.Relevel:
    """The level rule for one graded problem, as the store applies it."""

    def relevel(level: int, recent: Sequence[tuple[int, int, int]]) -> int:
        return level_after(level, given_at, quality, repeat, [Past(*row) for row in recent])

    return relevel


def _make_problem(topic_id: str, seed: int, difficulty: int) -> Problem:
    from studyapp.drills import make_problem

    return make_problem(topic_id, seed, difficulty)
