"""Grading a worked answer step by step, with an early error carried forward.

The learner may fill any of a problem's checkpoints (z1, a1, …, answer). Each one typed is
read as an answer on its own; then it is compared with the engine's value (right) and, when
that fails, with the value recomputed from the learner's *own* earlier values (carried: the
step was done right from a wrong start). Only a step that is neither is wrong, so one early
slip is named once, where it happened, with the known slip that explains it — the way
Numbas' adaptive marking and STACK's answer notes treat a worked solution.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from studyapp.answers.checking import _plain, _stated, check_answer, within_tolerance
from studyapp.answers.errors import Answer

if TYPE_CHECKING:
    from studyapp.drills.base import Checkpoint, Problem, Tolerance

Status = Literal["right", "carried", "wrong", "unread", "missing"]


@dataclass(frozen=True)
class StepResult:
    """One checkpoint's grade: how it was read, the engine's value and the learner's own."""

    name: str
    label: str
    status: Status
    typed: str
    given: Answer | None
    expected: Answer
    """The engine's value."""
    own: Answer | None
    """The value recomputed from the learner's earlier values (None when it cannot be)."""
    message: str = ""
    """Why it was not read, or what is wrong with it; "" when right, carried or missing."""
    slip: str = ""
    """The id of the known slip that explains a wrong step, or ""."""


@dataclass(frozen=True)
class StepVerdict:
    """The grade of a worked answer: every checkpoint in order."""

    steps: tuple[StepResult, ...]

    @property
    def answer(self) -> StepResult:
        return self.steps[-1]

    @property
    def first_wrong(self) -> StepResult | None:
        """Where the work left the engine's track (later wrong steps may follow from it)."""
        return next((step for step in self.steps if step.status == "wrong"), None)

    @property
    def unread(self) -> tuple[StepResult, ...]:
        return tuple(step for step in self.steps if step.status == "unread")

    @property
    def outcome(self) -> Literal["correct", "wrong", "unreadable"]:
        """Like a one-line answer's: nothing is graded while a filled step cannot be read or
        the final answer is missing."""
        if self.unread or self.answer.status == "missing":
            return "unreadable"
        return "correct" if self.answer.status == "right" else "wrong"

    @property
    def one_slip(self) -> bool:
        """One wrong step, and every filled step after it right from the learner's values."""
        wrong = [step for step in self.steps if step.status == "wrong"]
        return len(wrong) == 1 and self.answer.status == "carried"

    @property
    def slips(self) -> dict[str, str]:
        """The known slips that fired, by checkpoint name."""
        return {step.name: step.slip for step in self.steps if step.slip}

    @property
    def message(self) -> str:
        """One paragraph for the verdict line: what is unread, or where the work went wrong."""
        if self.unread:
            return " ".join(f"{step.name}: {step.message}" for step in self.unread)
        if self.answer.status == "missing":
            return "Type the final answer too; the steps you filled are checked with it."
        first = self.first_wrong
        if first is None:
            return "Correct, every step."
        after = "" if self.answer.status != "carried" else " Everything after it follows."
        return f"Your work leaves the track at {first.label}. {first.message}{after}"


def grade_steps(problem: Problem, typed: Mapping[str, str]) -> StepVerdict:
    """Grade the typed checkpoints (by name; blank or absent ones are missing) of `problem`.

    Never raises for any text: unreadable input is reported per checkpoint, as `check_answer`
    reports it for a one-line answer.
    """
    unknown = set(typed) - {point.name for point in problem.checkpoints}
    if unknown:
        raise KeyError(f"no checkpoint named {', '.join(sorted(unknown))}")
    earlier: dict[str, Any] = {}
    results: list[StepResult] = []
    track_left = False
    for point in problem.checkpoints:
        own = _recompute(point, earlier)
        result = _grade_one(problem, point, typed.get(point.name, "").strip(), own, track_left)
        track_left = track_left or result.status == "wrong"
        earlier[point.name] = result.given if result.given is not None else own
        if earlier[point.name] is None:
            earlier[point.name] = point.value
        results.append(result)
    return StepVerdict(tuple(results))


def _recompute(point: Checkpoint, earlier: Mapping[str, Any]) -> Answer | None:
    """The step's value from the earlier values, or None when those give none (a log of a
    negative number typed earlier, say): then the step can only be right or wrong."""
    try:
        value = _plain(point.recompute(earlier))
    except (ArithmeticError, ValueError, TypeError, IndexError):
        return None
    flat = value if isinstance(value, list) else [value]
    numbers = [x for row in flat for x in (row if isinstance(row, list) else [row])]
    if not all(isinstance(x, float) and math.isfinite(x) for x in numbers):
        return None
    return value  # type: ignore[no-any-return]


def _grade_one(
    problem: Problem, point: Checkpoint, text: str, own: Answer | None, track_left: bool
) -> StepResult:
    expected: Answer = _plain(point.value)
    base = StepResult(point.name, point.label, "missing", text, None, expected, own)
    if not text:
        return base
    tolerance = point.tolerance or problem.tolerance
    target = replace(problem, answer=expected, tolerance=tolerance, slips=tuple(point.slips))
    verdict = check_answer(text, target)
    if verdict.outcome == "unreadable":
        return replace(base, status="unread", message=verdict.message)
    if verdict.outcome == "correct":
        return replace(base, status="right", given=verdict.given)
    if own is not None and within_tolerance(verdict.given, own, tolerance):
        # From earlier values that were all right, only rounding moved it: right, not carried.
        status: Status = "carried" if track_left else "right"
        return replace(base, status=status, given=verdict.given)
    # Known slips are the engine track's: they explain only the first step that leaves it.
    if track_left:
        message = f"Not right from your own earlier values either: {_from_yours(own, tolerance)}."
        return replace(base, status="wrong", given=verdict.given, message=message)
    message = f"{verdict.feedback} {point.name} is {_stated(expected, tolerance)}."
    return replace(base, status="wrong", given=verdict.given, message=message, slip=verdict.slip)


def _from_yours(own: Answer | None, tolerance: Tolerance) -> str:
    if own is None:
        return "they give no value here"
    return f"they give {_stated(own, tolerance)}"


class NamedAnswersError(ValueError):
    """`name=value; …` text that does not name this problem's checkpoints."""


_NAMED = re.compile(r"(?:^|;)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")


def read_named(text: str, names: Sequence[str]) -> dict[str, str]:
    """`z1=1.41; a1=0.80; answer=0.092` as {name: text}. A semicolon starts a new name only
    when a `name=` follows it, so a matrix's rows (`[1, 2]; [3, 4]`) stay in one value; text
    with no `name=` at all is the final answer."""
    found = list(_NAMED.finditer(text))
    if not found:
        return {"answer": text.strip()} if text.strip() else {}
    if text[: found[0].start()].strip():
        raise NamedAnswersError(f"{text[: found[0].start()].strip()!r} is not after a name=")
    answers: dict[str, str] = {}
    for match, after in zip(found, [*found[1:], None], strict=True):
        name = match[1]
        if name not in names:
            raise NamedAnswersError(
                f"no checkpoint named {name!r}; this problem's are {', '.join(names)}"
            )
        if name in answers:
            raise NamedAnswersError(f"{name} is given twice")
        answers[name] = text[match.end() : after.start() if after else len(text)].strip()
    return answers


def verdict_json(verdict: StepVerdict, describe: Callable[[str], str]) -> dict[str, Any]:
    """The checkpoint-by-checkpoint grade as `studyapp check --json` prints it."""
    first = verdict.first_wrong
    return {
        "outcome": verdict.outcome,
        "first_wrong": first.name if first else None,
        "message": verdict.message,
        "checkpoints": [
            {
                "name": step.name,
                "label": step.label,
                "status": step.status,
                "typed": step.typed,
                "given": step.given,
                "expected": step.expected,
                "recomputed": step.own,
                "slip": step.slip or None,
                "slip_description": describe(step.slip) if step.slip else None,
                "feedback": step.message or None,
            }
            for step in verdict.steps
        ],
    }
