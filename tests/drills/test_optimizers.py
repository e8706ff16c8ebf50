"""Optimizer and schedule drills: answers recomputed from the inputs by formulas written out
here."""

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.drills.base import Problem
from studyapp.drills.registry import make_problem

TOPICS = ["sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam_step", "adamw_step"]
ALL_TOPICS = [*TOPICS, "lr_schedule"]
INPUT_NAMES = {
    "sgd_momentum": ["theta", "grad", "velocity", "lr", "momentum"],
    "nesterov": ["theta", "grad", "velocity", "lr", "momentum"],
    "adagrad": ["theta", "grad", "G", "lr", "eps"],
    "rmsprop": ["theta", "grad", "v", "lr", "alpha", "eps"],
    "adam_step": ["theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"],
    "adamw_step": ["theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps", "weight_decay"],
}
CASES = [(seed, difficulty) for seed in range(20) for difficulty in (1, 2, 3)]


def arrays(inputs: dict[str, Any], *names: str) -> list[np.ndarray]:
    return [np.asarray(inputs[name], dtype=float) for name in names]


def adam_by_hand(i: dict[str, Any], theta: np.ndarray) -> np.ndarray:
    g, m, v = arrays(i, "grad", "m", "v")
    b1, b2, t = i["beta1"], i["beta2"], i["t"]
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return theta - i["lr"] * m_hat / (np.sqrt(v_hat) + i["eps"])


def expected(problem: Problem) -> np.ndarray:
    i = problem.inputs
    theta, g = arrays(i, "theta", "grad")
    if problem.topic == "sgd_momentum":
        return theta - i["lr"] * (i["momentum"] * np.asarray(i["velocity"]) + g)
    if problem.topic == "nesterov":
        b = i["momentum"] * np.asarray(i["velocity"]) + g
        return theta - i["lr"] * (g + i["momentum"] * b)
    if problem.topic == "adagrad":
        G = np.asarray(i["G"]) + g * g
        return theta - i["lr"] * g / (np.sqrt(G) + i["eps"])
    if problem.topic == "rmsprop":
        v = i["alpha"] * np.asarray(i["v"]) + (1 - i["alpha"]) * g * g
        return theta - i["lr"] * g / (np.sqrt(v) + i["eps"])
    if problem.topic == "adam_step":
        return adam_by_hand(i, theta)
    assert problem.topic == "adamw_step"
    return adam_by_hand(i, theta - i["lr"] * i["weight_decay"] * theta)


def expected_lr(i: dict[str, Any]) -> float:
    base, step = i["base_lr"], i["step"]
    if i["schedule"] == "step":
        return base * i["gamma"] ** math.floor(step / i["step_size"])
    if i["schedule"] == "cosine":
        lo, total = i["min_lr"], i["total_steps"]
        return lo + (base - lo) * (1 + math.cos(math.pi * step / total)) / 2
    assert i["schedule"] == "warmup"
    warm, total, lo = i["warmup_steps"], i["total_steps"], i["min_lr"]
    if step < warm:
        return base * step / warm
    progress = (step - warm) / (total - warm)
    return lo + (base - lo) * (1 + math.cos(math.pi * progress)) / 2


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_step_answers_match_the_update_rule(topic: str, seed: int, difficulty: int) -> None:
    problem = make_problem(topic, seed, difficulty)
    assert list(problem.inputs) == INPUT_NAMES[topic]
    np.testing.assert_allclose(problem.answer, expected(problem), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_lr_schedule_answers(seed: int, difficulty: int) -> None:
    problem = make_problem("lr_schedule", seed, difficulty)
    i = problem.inputs
    assert i["schedule"] in ("step", "cosine", "warmup")
    names = list(i)
    assert names[0] == "schedule" and names[-1] == "step"
    assert problem.answer == pytest.approx(expected_lr(i), rel=1e-10)
    assert problem.answer > 0


def test_lr_schedule_draws_every_kind() -> None:
    kinds = {make_problem("lr_schedule", seed, 2).inputs["schedule"] for seed in range(40)}
    assert kinds == {"step", "cosine", "warmup"}


def test_adam_by_hand_difficulty_is_small() -> None:
    for seed in range(30):
        i = make_problem("adam_step", seed, 1).inputs
        assert np.size(i["theta"]) <= 2 and 1 <= i["t"] <= 3
        if i["t"] == 1:
            assert np.all(np.asarray(i["m"]) == 0) and np.all(np.asarray(i["v"]) == 0)


def test_adam_slip_is_the_uncorrected_step() -> None:
    for seed in range(20):
        problem = make_problem("adam_step", seed, 1)
        i = problem.inputs
        theta, g, m, v = arrays(i, "theta", "grad", "m", "v")
        m = i["beta1"] * m + (1 - i["beta1"]) * g
        v = i["beta2"] * v + (1 - i["beta2"]) * g * g
        raw = theta - i["lr"] * m / (np.sqrt(v) + i["eps"])
        assert len(problem.slips) == 1
        np.testing.assert_allclose(problem.slips[0].value, raw, rtol=1e-10)
        assert "bias correction" in problem.slips[0].feedback


def test_adamw_slips_name_adam_with_l2() -> None:
    problem = make_problem("adamw_step", 5, 2)
    i = problem.inputs
    theta, g = arrays(i, "theta", "grad")
    coupled = dict(i, grad=(g + i["weight_decay"] * theta).tolist())
    feedback = {s.feedback.split(":")[0]: s.value for s in problem.slips}
    np.testing.assert_allclose(
        feedback["That is Adam with L2"], adam_by_hand(coupled, theta), rtol=1e-10
    )


def test_sgd_momentum_slip_catches_the_averaged_velocity() -> None:
    problem = make_problem("sgd_momentum", 1, 1)
    i = problem.inputs
    theta, g, velocity = arrays(i, "theta", "grad", "velocity")
    averaged = theta - i["lr"] * (i["momentum"] * velocity + (1 - i["momentum"]) * g)
    values = [np.asarray(s.value) for s in problem.slips]
    assert any(np.allclose(v, averaged, rtol=1e-10) for v in values)


def within(value: Any, answer: Any, rel: float, abs_: float) -> bool:
    a, b = np.asarray(value, dtype=float), np.asarray(answer, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= abs_ + rel * np.abs(b)))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(ALL_TOPICS), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 3]))
def test_problems_are_sound(topic: str, seed: int, difficulty: int) -> None:
    problem = make_problem(topic, seed, difficulty)
    answer = np.asarray(problem.answer, dtype=float)
    assert np.all(np.isfinite(answer))
    tol = problem.tolerance
    if topic != "lr_schedule":
        # every entry moves: answering theta unchanged is wrong
        assert not np.any(
            np.abs(answer - np.asarray(problem.inputs["theta"]))
            <= tol.abs + tol.rel * np.abs(answer)
        )
    for slip in problem.slips:
        assert not within(slip.value, problem.answer, tol.rel, tol.abs)
        assert slip.feedback
    json.dumps(problem.to_json())
    assert problem.steps and all(problem.steps)
    assert make_problem(topic, seed, difficulty) == problem


@pytest.mark.parametrize("topic", ["adam_step", "adamw_step"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_adam_moments_are_those_real_steps_leave(topic: str, difficulty: int) -> None:
    """m and v come from t − 1 real steps, so after bias correction v̂ is about grad² and
    the step moves each weight by about lr, as a real Adam step does (independent draws
    made v̂ far larger than grad², and steps 5-10 times too small)."""
    for seed in range(40):
        i = make_problem(topic, seed, difficulty).inputs
        if i["t"] == 1:
            continue
        g, m, v = arrays(i, "grad", "m", "v")
        m = i["beta1"] * m + (1 - i["beta1"]) * g
        v = i["beta2"] * v + (1 - i["beta2"]) * g * g
        m_hat = m / (1 - i["beta1"] ** i["t"])
        v_hat = v / (1 - i["beta2"] ** i["t"])
        step = np.abs(m_hat / (np.sqrt(v_hat) + i["eps"]))
        assert np.all((step > 0.3) & (step < 1.5)), (seed, i["t"], step)
        assert np.all(np.sign(m) == np.sign(g))  # steady training: m follows the gradient
