"""Drill practice: each due topic in turn, a fresh random problem every time, the grade
derived from the outcome, and the learner's own grade in its place when they change it."""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
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
from studyapp.review.misconceptions import (
    LATER_IN_SESSION,
    Misconception,
    after_attempt,
    judge,
    one_line_statuses,
    tempts,
)
from studyapp.review.queues import Tempting, build_drill_queue

TEMPTING_TRIES = 40
"""Seeds tried for a problem that offers the mistake to practise; a topic whose problems
offer it this rarely is skipped for the mistake's turn (it stays due)."""

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
    tempting: str | None = field(init=False, default=None)
    """The mistake (slip id) the current problem was drawn to tempt, or None."""
    mistakes: dict[str, Misconception] = field(init=False, default_factory=dict)
    """The misconceptions this session has read or changed, by id."""
    leeches: set[str] = field(init=False, default_factory=set)
    """Topics whose lapses reached `leech_threshold`: each opens with a worked example."""
    worked_example: Problem | None = field(init=False, default=None)
    """The solved problem shown above the current one (a leech topic's first turn)."""
    _examples_shown: set[str] = field(init=False, default_factory=set)
    _rng: random.Random = field(init=False)
    _shown_at: datetime = field(init=False)
    _undo: _Before | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.today = self.settings.today()
        self._rng = random.Random(self.seed)
        from studyapp.progress.stats import topic_levels

        with self.db.session() as session:
            self.levels = topic_levels(session)
            if self.topic_ids:
                self.queue = deque(self.topic_ids)
            else:
                self.queue = deque(build_drill_queue(session, self.settings, self.today, self.path))
            self.mistakes = _read_mistakes(session)
            self.leeches = _read_leeches(session, self.settings.leech_threshold)
        self._new_problem()

    def level_of(self, topic_id: str) -> int:
        """The topic's level, as this session last stored or read it."""
        return self.levels.get(topic_id, 1)

    def _new_problem(self) -> None:
        self.hint_used, self.record, self.level_change = False, None, None
        self.verdict, self.tempting, self._undo = None, None, None
        self.worked_example = None
        self._shown_at = self.settings.clock.now()
        self.problem = None
        while self.problem is None:
            if not self.queue and self.topic_ids:
                self.queue.extend(self.topic_ids)
            if not self.queue:
                return
            topic_id = self.queue[0]
            level = self.difficulty or self.level_of(topic_id)
            if isinstance(topic_id, Tempting):
                self.problem = self._tempting_problem(topic_id, level)
                if self.problem is None:  # practised since, or no problem offers it
                    self.queue.popleft()
            else:
                self.problem = _make_problem(topic_id, self._rng.randrange(2**31), level)
                if topic_id in self.leeches and topic_id not in self._examples_shown:
                    self._examples_shown.add(topic_id)
                    self.problem = self._after_worked_example(self.problem)

    def _after_worked_example(self, problem: Problem) -> Problem:
        """A leech topic's turn: a problem of it shown solved, step by step, above the
        fresh problem it then asks (once a session), instead of one more cold problem."""
        example = problem
        while example.seed == problem.seed:
            example = _make_problem(problem.topic, self._rng.randrange(2**31), problem.difficulty)
        self.worked_example = example
        given = "; ".join(f"{name} = {value}" for name, value in example.inputs.items())
        steps = "\n".join(f"  {n}. {step}" for n, step in enumerate(example.steps, 1))
        shown = (
            "This topic keeps slipping (a leech), so first a worked example.\n\n"
            f"{example.prompt}\nGiven: {given}\n{steps}\n\nNow a fresh one:\n\n"
        )
        return replace(problem, prompt=shown + problem.prompt)

    def _tempting_problem(self, turn: Tempting, level: int) -> Problem | None:
        """A problem of the turn's topic that offers its mistake, said on screen as practice
        of it; None when the mistake is no longer due or no problem tried offers it."""
        found = self.mistakes.get(turn.slip)
        if found is None or not found.is_due(self.today):
            return None
        for _ in range(TEMPTING_TRIES):
            problem = _make_problem(turn, self._rng.randrange(2**31), level)
            if tempts(turn.slip, ([s.id for s in p.slips] for p in problem.checkpoints)):
                from studyapp.drills.mistakes import describe

                self.tempting = turn.slip
                line = f"A mistake to unlearn: {_sentence(describe(turn.slip))}"
                return replace(problem, topic=str(turn), prompt=f"{line}\n\n{problem.prompt}")
        return None

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
        names = [point.name for point in self.problem.checkpoints]
        if isinstance(typed, str):
            verdict = check_answer(typed, self.problem)
            if verdict.outcome != "unreadable":
                fired = {"answer": verdict.slip} if verdict.slip else {}
                statuses = one_line_statuses(names, verdict.outcome)
                self._record(verdict.outcome, typed, slips=(fired, statuses))
            self.verdict = verdict
            return verdict
        steps = grade_steps(self.problem, typed)
        if steps.outcome != "unreadable":
            step_wrong = steps.first_wrong is not None
            statuses = {step.name: step.status for step in steps.steps}
            self._record(
                steps.outcome,
                typed_steps(typed),
                steps.one_slip,
                step_wrong,
                slips=(steps.slips, statuses),
            )
        self.verdict = steps
        return steps

    def give_up(self) -> DrillRecord:
        """Show the solution without answering: graded 0."""
        if self.problem is None or self.record is not None:
            raise LookupError("nothing to give up on")
        return self._record("gave_up", "")

    def _record(
        self,
        outcome: Outcome,
        typed: str,
        one_slip: bool = False,
        step_wrong: bool = False,
        slips: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {}),
    ) -> DrillRecord:
        """Grade and store the attempt. `slips`: the slip id named at each checkpoint and
        each checkpoint's status, from which the misconceptions it touched change."""
        assert self.problem is not None
        problem, topic_id = self.problem, self.problem.topic
        quality = derived_quality(outcome, self.hint_used, one_slip, step_wrong)
        # A tempting problem practises the mistake, not the topic: logged as a same-day
        # practice of its topic, it leaves the topic's schedule to the topic's own turn.
        repeat = topic_id in self.graded or self.tempting is not None
        fired, statuses = slips
        offered = {point.name: [s.id for s in point.slips] for point in problem.checkpoints}
        made, avoided = judge(offered, fired, statuses, outcome)
        before = _Before(
            dict(self.graded), dict(self.levels), deque(self.queue), dict(self.mistakes)
        )
        changed: dict[str, Misconception] = {}

        def rethink(found: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
            states = {id_: Misconception(**row) if row else None for id_, row in found.items()}
            changed.update(after_attempt(states, made, avoided, topic_id, self.today))
            return {id_: asdict(state) for id_, state in changed.items()}

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
            "slips": json.dumps(dict(fired), sort_keys=True),
        }
        level_before = self.level_of(topic_id)
        review_id, _, attempt_id, change, _ = grades.record_grade(
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
            mistakes=grades.MistakeUpdate(tuple(sorted(made | avoided)), rethink),
            fsrs=fsrs_step_for(self.settings, quality, self.today),
        )
        assert attempt_id is not None
        self.mistakes.update(changed)
        for slip in sorted(made):
            self._tempt_later(topic_id, slip)
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
        self._undo = before
        return self.record

    def _tempt_later(self, topic_id: str, slip: str) -> None:
        """Bring a problem that tempts the slip back LATER_IN_SESSION items on (once)."""
        later = list(self.queue)[1:]  # the first is the problem just answered
        if any(isinstance(entry, Tempting) and entry.slip == slip for entry in later):
            return
        at = min(LATER_IN_SESSION, len(self.queue))
        self.queue.insert(at, Tempting(topic_id, slip))

    def undo(self) -> None:
        """Take back the answered problem's grade, attempt and misconception changes, and
        show the same problem again, unanswered; GradeSuperseded when another terminal
        has drilled the topic (or practised the mistake) since (nothing changes then)."""
        if self.record is None or self._undo is None or self.problem is None:
            raise LookupError("nothing to undo")
        grades.undo_grade(self.db, "topic", self.problem.topic, self.record.review_id)
        before = self._undo
        self.graded, self.levels, self.queue, self.mistakes = (
            before.graded,
            before.levels,
            before.queue,
            before.mistakes,
        )
        self.attempts -= 1
        self.correct -= self.record.outcome == "correct"
        self.record, self.verdict, self.level_change, self._undo = None, None, None, None

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
        """Move on: a topic graded below 4 comes back later today with a new instance (a
        mistake's turn comes back only if the mistake was made again: see _tempt_later)."""
        if self.queue:
            topic_id = self.queue.popleft()
            again = self.record is not None and needs_repeat_today(self.record.quality)
            if again and not isinstance(topic_id, Tempting):
                self.queue.append(topic_id)
        self._new_problem()
        return self.problem


@dataclass(frozen=True)
class _Before:
    """What an attempt changes in the session, as it was before: what undo puts back."""

    graded: dict[str, int]
    levels: dict[str, int]
    queue: deque[str]
    mistakes: dict[str, Misconception]


def _read_leeches(session: Any, threshold: int) -> set[str]:
    """The drill topics whose lapses reached the leech threshold (schedulers/leech.py)."""
    from sqlalchemy import select

    from studyapp.store.models import DrillTopic

    return set(session.scalars(select(DrillTopic.id).where(DrillTopic.lapses >= threshold)))


def _read_mistakes(session: Any) -> dict[str, Misconception]:
    """Every active misconception (the ones a session can meet as due)."""
    from sqlalchemy import select

    from studyapp.store.models import MisconceptionRow

    rows = session.scalars(select(MisconceptionRow).where(MisconceptionRow.status == "active"))
    return {
        row.id: Misconception(
            row.id,
            row.topic_id,
            row.seen,
            row.first_seen,
            row.last_seen,
            row.avoided_run,
            row.due,
            "active",
        )
        for row in rows
    }


def _sentence(text: str) -> str:
    """A mistake's description as a sentence: lower-case start, full stop."""
    text = text.rstrip(".")
    return f"{text[:1].lower()}{text[1:]}."


def _relevel(given_at: int, quality: int, repeat: bool) -> grades.Relevel:
    """The level rule for one graded problem, as the store applies it."""

    def relevel(level: int, recent: Sequence[tuple[int, int, int]]) -> int:
        return level_after(level, given_at, quality, repeat, [Past(*row) for row in recent])

    return relevel


def _make_problem(topic_id: str, seed: int, difficulty: int) -> Problem:
    from studyapp.drills import make_problem

    return make_problem(topic_id, seed, difficulty)
