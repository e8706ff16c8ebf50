"""A sweep over many problems of a topic, checking every slip at every checkpoint, as the
red-team's independent check did (issue 13 item 5): each slip is a registered mistake, is
named by its own id where it happens, is not accepted, and no two slips of a step lie within
tolerance of each other, so a learner is never told the name of a mistake they did not make.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from studyapp.answers.steps import grade_steps
from studyapp.drills.base import Problem, show
from studyapp.drills.mistakes import mistakes
from tests.drills.sweep import SWEEP_SEEDS, fired_slips


def sweep(topic: str, seeds: Iterable[int] = SWEEP_SEEDS) -> dict[str, set[str]]:
    """Every slip of every checkpoint over `seeds` × 3 levels, checked by `sweep.fired_slips`
    (the one sweep), each id registered; returns, by slip id, the checkpoints where it fired."""
    known = mistakes()
    fired: dict[str, set[str]] = defaultdict(set)
    for checkpoint, ids in fired_slips(topic, range(*_bounds(seeds))).items():
        for slip_id in ids:
            assert slip_id in known, (topic, checkpoint, slip_id)
            fired[slip_id].add(checkpoint)
    return fired


def _bounds(seeds: Iterable[int]) -> tuple[int, int]:
    listed = list(seeds)
    assert listed == list(range(listed[0], listed[-1] + 1)), "a run of seeds"
    return listed[0], listed[-1] + 1


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
