"""A sweep of a topic's slips over many problems (issue 13, item 5): every slip a topic
declares fires somewhere, typed the way a learner writes it, and no two slips of one step
(nor a slip and the step's value) are within tolerance of each other."""

from __future__ import annotations

from typing import Any

import numpy as np

from studyapp.answers.checking import _stated, within_tolerance
from studyapp.answers.reading import parse_answer
from studyapp.answers.steps import grade_steps
from studyapp.drills import make_problem
from studyapp.drills.base import Checkpoint, Problem, Slip, Tolerance

SWEEP_SEEDS = range(200)
LEVELS = (1, 2, 3)


def written(value: Any, tolerance: Tolerance) -> str:
    """A slip as a learner following the prompt types it: to at least 4 significant digits,
    trailing zeros kept (-2.000, not -2, which the checker reads as the answer cut short to
    one digit), whole numbers plainly under an exact tolerance."""
    exact = tolerance.rel == 0 and tolerance.abs < 1e-6
    array = np.asarray(value, dtype=np.float64)
    for digits in range(4, 18):

        def one(x: float, digits: int = digits) -> str:
            if exact and x.is_integer():
                return str(int(x))
            text = f"{x:#.{digits}g}"
            return text if "e" not in text else repr(x)

        if array.ndim == 0:
            text = one(float(array))
        elif array.ndim == 1:
            text = "[" + ", ".join(one(x) for x in array.tolist()) + "]"
        else:
            rows = ("[" + ", ".join(one(x) for x in row) + "]" for row in array.tolist())
            text = "[" + "; ".join(rows) + "]"
        if within_tolerance(parse_answer(text), value, tolerance):
            return text
    raise AssertionError(f"{value} cannot be written within {tolerance}")


def slip_tolerance(slip: Slip, point: Checkpoint, problem: Problem) -> Tolerance:
    return slip.tolerance or point.tolerance or problem.tolerance


def apart(value: Any, other: Any, other_tolerance: Tolerance, own: Tolerance) -> bool:
    """Neither value is within the other's tolerance (the checker would confuse them)."""
    return not within_tolerance(value, other, other_tolerance) and not within_tolerance(
        other, value, own
    )


def fired_slips(topic: str, seeds: range = SWEEP_SEEDS) -> dict[str, set[str]]:
    """Every slip id the topic's problems declare, by the checkpoint it is declared at, after
    checking that each is named where it happens and kept apart from its neighbours."""
    fired: dict[str, set[str]] = {}
    for level in LEVELS:
        for seed in seeds:
            problem = make_problem(topic, seed, level)
            for k, point in enumerate(problem.checkpoints):
                step_tolerance = point.tolerance or problem.tolerance
                before = {
                    p.name: _stated(p.value, p.tolerance or problem.tolerance)
                    for p in problem.checkpoints[:k]
                }
                for i, slip in enumerate(point.slips):
                    own = slip_tolerance(slip, point, problem)
                    where = (topic, seed, level, point.name, slip.id)
                    assert apart(slip.value, point.value, step_tolerance, own), where
                    for other in point.slips[i + 1 :]:
                        theirs = slip_tolerance(other, point, problem)
                        assert apart(slip.value, other.value, theirs, own), (*where, other.id)
                    typed = written(slip.value, own)
                    step = grade_steps(problem, {**before, point.name: typed}).steps[k]
                    assert step.status == "wrong", (*where, typed, step.message)
                    assert step.slip == slip.id, (*where, typed, step.message)
                    fired.setdefault(point.name, set()).add(slip.id)
    return fired
