"""Question tests for stepwise drills, per topic over many seeds (as STACK runs them).

For every topic that declares checkpoints, and every problem drawn:
- the steps are consistent: each engine value is its own recompute from the engine's earlier
  values, and the last checkpoint is the answer;
- the right values, typed as the answer key states them, are all right;
- every registered slip at a step (all earlier steps right) is recognised as that slip, by its
  registered id, and is not accepted;
- perturbing one step and recomputing every later step from the perturbed value marks only
  that step wrong: the later ones are carried (or right, when they do not depend on it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from studyapp.answers.checking import _stated
from studyapp.answers.steps import grade_steps
from studyapp.drills import make_problem, registry
from studyapp.drills.base import Problem, show
from studyapp.drills.mistakes import mistakes

SEEDS = range(40)
LEVELS = (1, 2, 3)

STEPWISE = sorted(topic for topic in registry() if len(make_problem(topic, 0, 1).checkpoints) > 1)
"""The topics that declare steps before their answer."""

FIXED_NAMES = {
    "chain_rule": ["z1", "a1", "z2", "y_hat", "answer"],
    "forward_pass": ["z1", "h", "answer"],
}
"""Names the drill JSON contract promises scripts."""


def drawn(topic: str) -> list[Problem]:
    return [make_problem(topic, seed, level) for level in LEVELS for seed in SEEDS]


def typed(value: Any) -> str:
    """A value as a learner types it, to more digits than any tolerance needs."""
    return show(value, 12)


def close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


ISSUE_13 = {
    "neuron", "forward_pass", "chain_rule", "softmax", "softmax_cross_entropy",
    "softmax_ce_gradient", "layer_norm", "batch_norm", "sgd_momentum", "adam_step",
    "adamw_step", "attention", "grad_clip", "bce", "mse", "dense_backward",
    "delta_recursion", "mlp_backward_w1", "conv_output_size",
}  # fmt: skip
"""The multi-step topics the issue names: each declares its steps."""


def test_the_named_multi_step_topics_declare_steps() -> None:
    assert set(STEPWISE) >= ISSUE_13, ISSUE_13 - set(STEPWISE)


def test_the_contract_names_hold() -> None:
    for topic, names in FIXED_NAMES.items():
        if topic in STEPWISE:
            assert [p.name for p in make_problem(topic, 3, 2).checkpoints] == names


def test_every_problem_ends_in_its_answer() -> None:
    for topic in registry():
        for level in LEVELS:
            problem = make_problem(topic, 5, level)
            assert problem.checkpoints[-1].name == "answer"
            assert close(problem.checkpoints[-1].value, problem.answer)
            assert problem.to_json()["checkpoints"][-1]["name"] == "answer"


def test_every_slip_has_a_registered_id() -> None:
    known = mistakes()
    for topic in registry():
        for level in LEVELS:
            for seed in range(5):
                problem = make_problem(topic, seed, level)
                slips = [*problem.slips, *(s for p in problem.checkpoints for s in p.slips)]
                missing = [s.feedback for s in slips if s.id not in known]
                assert not missing, (topic, seed, level, missing)


@pytest.mark.parametrize("topic", STEPWISE)
def test_engine_values_are_their_own_recompute(topic: str) -> None:
    for problem in drawn(topic):
        earlier: dict[str, Any] = {}
        for point in problem.checkpoints:
            assert close(point.recompute(earlier), point.value), (problem.seed, point.name)
            earlier[point.name] = point.value


@pytest.mark.parametrize("topic", STEPWISE)
def test_the_stated_values_are_all_right(topic: str) -> None:
    for problem in drawn(topic):
        answers = {
            p.name: _stated(p.value, p.tolerance or problem.tolerance) for p in problem.checkpoints
        }
        verdict = grade_steps(problem, answers)
        assert [s.status for s in verdict.steps] == ["right"] * len(answers), (
            problem.seed,
            problem.difficulty,
            verdict.message,
        )
        assert verdict.outcome == "correct"


@pytest.mark.parametrize("topic", STEPWISE)
def test_every_slip_is_named_where_it_happens(topic: str) -> None:
    seen = 0
    for problem in drawn(topic):
        for k, point in enumerate(problem.checkpoints):
            before = {p.name: typed(p.value) for p in problem.checkpoints[:k]}
            for slip in point.slips:
                verdict = grade_steps(problem, {**before, point.name: typed(slip.value)})
                step = verdict.steps[k]
                assert step.status == "wrong", (problem.seed, point.name, slip.id)
                assert step.slip == slip.id, (problem.seed, point.name, slip.id, step.message)
                assert verdict.first_wrong is step
                seen += 1
    assert seen, f"{topic} declares steps but no slip at any of them"


@pytest.mark.parametrize("topic", STEPWISE)
def test_a_perturbed_step_is_the_only_wrong_one(topic: str) -> None:
    for problem in drawn(topic):
        points = problem.checkpoints
        for k in range(len(points) - 1):
            earlier: dict[str, Any] = {}
            answers: dict[str, str] = {}
            for j, point in enumerate(points):
                if j < k:
                    value = point.value
                elif j == k:
                    value = _perturbed(point.value)
                else:
                    value = point.recompute(earlier)
                earlier[point.name] = value
                answers[point.name] = typed(value)
            statuses = [s.status for s in grade_steps(problem, answers).steps]
            assert statuses[:k] == ["right"] * k
            assert statuses[k] == "wrong", (problem.seed, points[k].name, statuses)
            assert set(statuses[k + 1 :]) <= {"carried", "right"}, (problem.seed, statuses)


def _perturbed(value: Any) -> Any:
    """Far outside any tolerance, same shape, same signs (a log or square root downstream
    stays defined): every entry times 1.37 plus a nudge away from zero."""
    array = np.asarray(value, float)
    return (array * 1.37 + np.where(array >= 0, 0.21, -0.21)).tolist()
