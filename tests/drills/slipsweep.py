"""A sweep over many problems of a topic, checking every slip at every checkpoint, as the
red-team's independent check did (issue 13 item 5): each slip is a registered mistake, is
named by its own id where it happens, is not accepted, and no two slips of a step lie within
tolerance of each other, so a learner is never told the name of a mistake they did not make.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from studyapp.answers.steps import grade_steps
from studyapp.drills import make_problem
from studyapp.drills.base import Problem, Tolerance, accepted, show
from studyapp.drills.mistakes import mistakes

SWEEP_SEEDS = range(200)
SWEEP_LEVELS = (1, 2, 3)


def sweep(topic: str, seeds: Iterable[int] = SWEEP_SEEDS) -> dict[str, set[str]]:
    """Every slip of every checkpoint over `seeds` × 3 levels, checked; returns, by slip id,
    the checkpoints where it fired."""
    known = mistakes()
    fired: dict[str, set[str]] = defaultdict(set)
    for level in SWEEP_LEVELS:
        for seed in seeds:
            problem = make_problem(topic, seed, level)
            for k, point in enumerate(problem.checkpoints):
                tolerance = point.tolerance or problem.tolerance
                where = (topic, seed, level, point.name)
                for i, slip in enumerate(point.slips):
                    assert slip.id in known, (*where, slip.feedback)
                    assert not accepted(slip.value, point.value, tolerance), (*where, slip.id)
                    for other in point.slips[i + 1 :]:
                        assert not apart_fails(slip.value, other.value, tolerance), (
                            *where,
                            slip.id,
                            other.id,
                        )
                    assert named(problem, k, slip.value) == slip.id, (*where, slip.id)
                    fired[slip.id].add(point.name)
    return fired


def apart_fails(a: object, b: object, tolerance: Tolerance) -> bool:
    """True when either value would be taken for the other."""
    return accepted(a, b, tolerance) or accepted(b, a, tolerance)  # type: ignore[arg-type]


def named(problem: Problem, k: int, value: object) -> str:
    """The slip id the grader names for `value` typed at checkpoint k, the steps before it
    right."""
    before = {p.name: show(p.value, 12) for p in problem.checkpoints[:k]}
    point = problem.checkpoints[k]
    verdict = grade_steps(problem, {**before, point.name: show(value, 12)})  # type: ignore[arg-type]
    assert verdict.steps[k].status == "wrong", (problem.seed, point.name, verdict.message)
    return verdict.steps[k].slip


def slip_ids(problem: Problem, checkpoint: str = "answer") -> set[str]:
    """The ids of the slips known at one checkpoint of a problem."""
    return {s.id for p in problem.checkpoints if p.name == checkpoint for s in p.slips}
