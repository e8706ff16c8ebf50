"""Optimizer and schedule drills: answers recomputed from the inputs by formulas written out
here."""

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.answers.checking import check_answer
from studyapp.drills.base import Problem, show
from studyapp.drills.registry import make_problem
from tests.drills.slipsweep import SWEEP_LEVELS, SWEEP_SEEDS, slip_ids, sweep

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
        (uncorrected,) = (s for s in problem.slips if s.id == NO_BIAS)
        np.testing.assert_allclose(uncorrected.value, raw, rtol=1e-10)
        assert "bias correction" in uncorrected.feedback


def test_adamw_slips_name_adam_with_l2() -> None:
    """Adam with L2 is named where it differs from plain Adam; where dividing by √v̂ all but
    cancels the added decay, the one slip left says it could be either mistake."""
    named = merged = 0
    for seed in range(40):
        problem = make_problem("adamw_step", seed, 2)
        i = problem.inputs
        theta, g = arrays(i, "theta", "grad")
        coupled = adam_by_hand(dict(i, grad=(g + i["weight_decay"] * theta).tolist()), theta)
        plain_adam = adam_by_hand(i, theta)
        by_id = {s.id: s for s in problem.slips}
        if "adamw.coupled_decay" in by_id:
            named += 1
            assert by_id["adamw.coupled_decay"].feedback.startswith("That is Adam with L2")
            np.testing.assert_allclose(by_id["adamw.coupled_decay"].value, coupled, rtol=1e-10)
        else:
            merged += 1
            assert np.allclose(coupled, plain_adam, rtol=0.01, atol=0.001)
            assert "as L2" in by_id["weight_decay.left_out"].feedback
        np.testing.assert_allclose(by_id["weight_decay.left_out"].value, plain_adam, rtol=1e-10)
    assert named and merged


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


# ---------------------------------------------------------------- steps and named slips (issue 13)

UPHILL = "optim.uphill"
NO_BIAS = "adam.no_bias_correction"
SWAPPED = "moving_average.weights_swapped"
OFF_BY_ONE = "adam.bias_correction_off_by_one"
FIRES = {
    "sgd_momentum": {
        "b": {"momentum.averaged_velocity", "momentum.velocity_left_out"},
        "answer": {"momentum.averaged_velocity", "momentum.velocity_left_out", UPHILL},
    },
    "nesterov": {
        "answer": {"nesterov.classic_momentum", "momentum.velocity_left_out", UPHILL},
    },
    "adagrad": {"answer": {"adaptive.old_accumulator", UPHILL}},
    "rmsprop": {"answer": {SWAPPED, "adaptive.old_accumulator", UPHILL}},
    "adam_step": {
        "m": {SWAPPED},
        "v": {SWAPPED, "adam.second_moment_not_squared"},
        "m_hat": {NO_BIAS, OFF_BY_ONE},
        "v_hat": {NO_BIAS, OFF_BY_ONE},
        "answer": {NO_BIAS, UPHILL, "adaptive.no_square_root"},
    },
    "adamw_step": {
        "decayed": {"adamw.decay_without_lr"},
        "m": {SWAPPED, "adamw.coupled_decay"},
        "v": {SWAPPED, "adam.second_moment_not_squared", "adamw.coupled_decay"},
        "m_hat": {NO_BIAS, OFF_BY_ONE},
        "v_hat": {NO_BIAS, OFF_BY_ONE},
        "answer": {
            NO_BIAS,
            UPHILL,
            "adaptive.no_square_root",
            "adamw.coupled_decay",
            "weight_decay.left_out",
        },
    },
    "lr_schedule": {
        "answer": {
            "step_lr.no_floor",
            "cosine_lr.min_lr_left_out",
            "warmup.off_by_one",
            "warmup.cosine_from_step_0",
        }
    },
}
"""Where each topic's slips fire (by checkpoint) somewhere over the sweep."""

ALWAYS = {
    "sgd_momentum": {UPHILL},
    "nesterov": {UPHILL},
    "adagrad": {UPHILL},
    "rmsprop": {UPHILL},
    "adam_step": {UPHILL, NO_BIAS},
    "adamw_step": {UPHILL, NO_BIAS, "weight_decay.left_out"},
}
"""Slips every problem of the topic can tell apart from the answer and from each other."""

CHECKPOINTS = {
    "sgd_momentum": ["b", "answer"],
    "adam_step": ["m", "v", "m_hat", "v_hat", "answer"],
    "adamw_step": ["decayed", "m", "v", "m_hat", "v_hat", "answer"],
}


@pytest.mark.parametrize("topic", sorted(FIRES))
def test_every_slip_fires_named_and_apart_over_the_sweep(topic: str) -> None:
    """≥ 200 seeds × 3 levels: each registered slip fires somewhere, by its own id, at its
    step; no two slips of a step are within tolerance of each other (slipsweep.sweep)."""
    fired = sweep(topic)
    where = {(name, slip) for name, slips in FIRES[topic].items() for slip in slips}
    found = {(name, slip) for slip, names in fired.items() for name in names}
    assert where <= found, sorted(where - found)
    assert found <= where, sorted(found - where)


@pytest.mark.parametrize("topic", sorted(ALWAYS))
def test_the_always_slips_are_in_every_problem(topic: str) -> None:
    """Issue 13 item 5: uphill in every optimizer topic; Adam's and AdamW's bias-correction
    slip can be told apart in every problem (it cannot at t = 1 with β1 = 0.9, β2 = 0.99,
    where the corrections cancel in m̂/√v̂, so such draws are not made)."""
    for level in SWEEP_LEVELS:
        for seed in SWEEP_SEEDS:
            problem = make_problem(topic, seed, level)
            assert ALWAYS[topic] <= {s.id for s in problem.slips}, (seed, level)
            assert ALWAYS[topic] <= slip_ids(problem), (seed, level)


def test_adam_never_draws_the_case_where_bias_correction_cancels() -> None:
    for level in (2, 3):
        for seed in SWEEP_SEEDS:
            i = make_problem("adam_step", seed, level).inputs
            assert not (i["t"] == 1 and i["beta1"] == 0.9 and i["beta2"] == 0.99), seed


@pytest.mark.parametrize("topic", sorted(ALWAYS))
def test_an_uphill_step_is_named(topic: str) -> None:
    """θ + lr·update, computed here from the inputs, is named as the uphill step."""
    for seed in range(30):
        for level in (1, 2, 3):
            problem = make_problem(topic, seed, level)
            i = problem.inputs
            theta = np.asarray(i["theta"], dtype=float)
            if topic == "adamw_step":
                theta = theta - i["lr"] * i["weight_decay"] * theta
            step = theta - np.asarray(expected(problem))  # lr·update, from the right answer
            uphill = theta + step
            verdict = check_answer(show(uphill, 10), problem)
            assert verdict.outcome == "wrong" and verdict.slip == UPHILL, (seed, level)


@pytest.mark.parametrize("topic", sorted(CHECKPOINTS))
def test_checkpoint_names(topic: str) -> None:
    for level in (1, 2, 3):
        problem = make_problem(topic, 3, level)
        assert [p.name for p in problem.checkpoints] == CHECKPOINTS[topic]
        assert all(len(p.label) <= 24 for p in problem.checkpoints)


def test_adam_first_step_worked_by_hand() -> None:
    """t = 1 from zero moments with β1 = 0.9, β2 = 0.999: m = 0.1·g, v = 0.001·g², so m̂ = g,
    v̂ = g² and Adam moves θ by lr against sign(g); left uncorrected, m/√v = 0.1/√0.001 =
    3.1623 times sign(g), so the slip moves θ 3.16 times as far."""
    seen = 0
    for seed in range(60):
        problem = make_problem("adam_step", seed, 1)
        i = problem.inputs
        if i["t"] != 1:
            continue
        seen += 1
        g, theta, lr = np.asarray(i["grad"]), np.asarray(i["theta"]), i["lr"]
        values = {p.name: np.asarray(p.value) for p in problem.checkpoints}
        np.testing.assert_allclose(values["m"], 0.1 * g, rtol=1e-12)
        np.testing.assert_allclose(values["v"], 0.001 * g**2, rtol=1e-9)
        np.testing.assert_allclose(values["m_hat"], g, rtol=1e-12)
        np.testing.assert_allclose(values["v_hat"], g**2, rtol=1e-9)
        np.testing.assert_allclose(values["answer"], theta - lr * np.sign(g), rtol=1e-6)
        slips = {s.id: np.asarray(s.value) for s in problem.slips}
        np.testing.assert_allclose(slips[NO_BIAS], theta - 3.16228 * lr * np.sign(g), rtol=1e-5)
        m_hat = {s.id: s.value for s in problem.checkpoints[2].slips}
        np.testing.assert_allclose(m_hat[NO_BIAS], 0.1 * g, rtol=1e-12)  # m̂ left as m
    assert seen >= 10


def test_adamw_decay_step_and_coupled_slip_by_hand() -> None:
    """The decayed θ is θ·(1 − lr·λ); Adam with L2 feeds g + λθ into m:
    m = β1·m + (1 − β1)·(g + λθ)."""
    for seed in range(20):
        problem = make_problem("adamw_step", seed, 2)
        i = problem.inputs
        theta, g, m = arrays(i, "theta", "grad", "m")
        decayed, m_point = problem.checkpoints[0], problem.checkpoints[1]
        np.testing.assert_allclose(decayed.value, theta * (1 - i["lr"] * i["weight_decay"]))
        coupled = i["beta1"] * m + (1 - i["beta1"]) * (g + i["weight_decay"] * theta)
        by_id = {s.id: s.value for s in m_point.slips}
        if "adamw.coupled_decay" in by_id:
            np.testing.assert_allclose(by_id["adamw.coupled_decay"], coupled, rtol=1e-12)


def test_sgd_momentum_velocity_worked_by_hand() -> None:
    problem = make_problem("sgd_momentum", 1, 1)
    i = problem.inputs
    g, velocity = arrays(i, "grad", "velocity")
    b = i["momentum"] * velocity + g
    np.testing.assert_allclose(problem.checkpoints[0].value, b, rtol=1e-12)
    by_id = {s.id: s.value for s in problem.checkpoints[0].slips}
    averaged = i["momentum"] * velocity + (1 - i["momentum"]) * g
    np.testing.assert_allclose(by_id["momentum.averaged_velocity"], averaged, rtol=1e-12)
    np.testing.assert_allclose(by_id["momentum.velocity_left_out"], g, rtol=1e-12)
