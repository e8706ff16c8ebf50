"""Softmax and loss drills: answers recomputed from the inputs with plain NumPy (no engine)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.drills import Problem, make_problem, registry

SEEDS = range(20)
DIFFICULTIES = (1, 2, 3)


def softmax_by_hand(z: Any) -> np.ndarray:
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum()


def huber_by_hand(y: list[float], y_hat: list[float], delta: float) -> float:
    terms = []
    for target, guess in zip(y, y_hat, strict=True):
        r = abs(guess - target)
        terms.append(0.5 * r * r if r <= delta else delta * (r - 0.5 * delta))
    return sum(terms) / len(terms)


def bce_by_hand(y: list[int], p: Any) -> float:
    y_arr, p_arr = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return float(-np.mean(y_arr * np.log(p_arr) + (1 - y_arr) * np.log(1 - p_arr)))


def one_hot_by_hand(target: int, k: int) -> np.ndarray:
    e = np.zeros(k)
    e[target] = 1.0
    return e


def label_smoothing_by_hand(z: list[float], target: int, epsilon: float) -> float:
    k = len(z)
    q = [(1 - epsilon) * (1.0 if c == target else 0.0) + epsilon / k for c in range(k)]
    log_s = np.log(softmax_by_hand(z))
    return float(-sum(qc * lc for qc, lc in zip(q, log_s, strict=True)))


REFERENCE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "softmax": lambda i: softmax_by_hand(i["z"]),
    "log_softmax": lambda i: np.asarray(i["z"]) - math.log(sum(math.exp(v) for v in i["z"])),
    "softmax_cross_entropy": lambda i: -math.log(softmax_by_hand(i["z"])[i["target"]]),
    "softmax_ce_gradient": lambda i: (
        softmax_by_hand(i["z"]) - one_hot_by_hand(i["target"], len(i["z"]))
    ),
    "label_smoothing_ce": lambda i: label_smoothing_by_hand(i["z"], i["target"], i["epsilon"]),
    "mse": lambda i: np.mean((np.asarray(i["y"]) - np.asarray(i["y_hat"])) ** 2),
    "mse_gradient": lambda i: 2 * (np.asarray(i["y_hat"]) - np.asarray(i["y"])) / len(i["y"]),
    "mae": lambda i: np.mean(np.abs(np.asarray(i["y"]) - np.asarray(i["y_hat"]))),
    "huber": lambda i: huber_by_hand(i["y"], i["y_hat"], i["delta"]),
    "bce": lambda i: bce_by_hand(i["y"], i["p"]),
    "bce_logits": lambda i: bce_by_hand(i["y"], 1 / (1 + np.exp(-np.asarray(i["logits"])))),
}

INPUT_NAMES = {
    "softmax": {"z"},
    "log_softmax": {"z"},
    "softmax_cross_entropy": {"z", "target"},
    "softmax_ce_gradient": {"z", "target"},
    "label_smoothing_ce": {"z", "target", "epsilon"},
    "mse": {"y", "y_hat"},
    "mse_gradient": {"y", "y_hat"},
    "mae": {"y", "y_hat"},
    "huber": {"y", "y_hat", "delta"},
    "bce": {"y", "p"},
    "bce_logits": {"y", "logits"},
}
TOPICS = sorted(INPUT_NAMES)
VECTOR_ANSWERS = {"softmax", "log_softmax", "softmax_ce_gradient", "mse_gradient"}


def is_wrong(value: Any, problem: Problem) -> bool:
    """The checker's rule: outside abs + rel·|expected| in any element."""
    got, expected = np.asarray(value, dtype=float), np.asarray(problem.answer, dtype=float)
    limit = problem.tolerance.abs + problem.tolerance.rel * np.abs(expected)
    return got.shape != expected.shape or bool(np.any(np.abs(got - expected) > limit))


def slip_values(problem: Problem) -> list[np.ndarray]:
    return [np.asarray(s.value, dtype=float) for s in problem.slips]


def has_slip(problem: Problem, expected: Any) -> bool:
    return any(
        v.shape == np.shape(expected) and np.allclose(v, expected, rtol=1e-9, atol=1e-12)
        for v in slip_values(problem)
    )


# ----------------------------------------------------------------------------- the answers


@pytest.mark.parametrize("topic", TOPICS)
def test_answers_match_an_independent_computation(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            assert set(problem.inputs) == INPUT_NAMES[topic]
            expected = REFERENCE[topic](problem.inputs)
            np.testing.assert_allclose(problem.answer, expected, rtol=1e-9, atol=1e-12)


def test_topics_are_registered_with_their_seed() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topic_id in topics
        assert topics[topic_id].source.startswith(("001_", "002_", "004_"))


# ------------------------------------------------------------------------------- the slips


@pytest.mark.parametrize("seed", SEEDS)
def test_the_modelled_slips_are_offered(seed: int) -> None:
    difficulty = 1 + seed % 3
    p = make_problem("softmax", seed, difficulty)
    assert has_slip(p, np.exp(p.inputs["z"]))

    p = make_problem("softmax_cross_entropy", seed, difficulty)
    log10_loss = -math.log10(softmax_by_hand(p.inputs["z"])[p.inputs["target"]])
    assert has_slip(p, log10_loss) or not is_wrong(log10_loss, p)

    p = make_problem("softmax_ce_gradient", seed, difficulty)
    assert has_slip(p, softmax_by_hand(p.inputs["z"]))

    p = make_problem("mse", seed, difficulty)
    squares = (np.asarray(p.inputs["y"]) - np.asarray(p.inputs["y_hat"])) ** 2
    assert has_slip(p, squares.sum())

    p = make_problem("bce", seed, difficulty)
    y, prob = np.asarray(p.inputs["y"]), np.asarray(p.inputs["p"])
    log10_bce = float(-np.mean(y * np.log10(prob) + (1 - y) * np.log10(1 - prob)))
    assert has_slip(p, log10_bce)

    p = make_problem("label_smoothing_ce", seed, difficulty)
    hard = -math.log(softmax_by_hand(p.inputs["z"])[p.inputs["target"]])
    assert has_slip(p, hard) or not is_wrong(hard, p)


@pytest.mark.parametrize("topic", TOPICS)
def test_slips_are_distinguishable_from_the_answer(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            for slip in problem.slips:
                assert is_wrong(slip.value, problem), slip.feedback
                assert slip.feedback


# ---------------------------------------------------------------------- the drawn numbers


@pytest.mark.parametrize("seed", range(40))
def test_huber_residuals_straddle_delta_when_harder(seed: int) -> None:
    for difficulty in DIFFICULTIES:
        inputs = make_problem("huber", seed, difficulty).inputs
        sizes = np.abs(np.asarray(inputs["y_hat"]) - np.asarray(inputs["y"]))
        delta = inputs["delta"]
        assert delta > 0
        assert np.all(np.abs(sizes - delta) > 1e-6), "a residual sits on the kink"
        if difficulty >= 2:
            assert np.any(sizes < delta) and np.any(sizes > delta)


@pytest.mark.parametrize("topic", TOPICS)
def test_difficulty_one_is_workable_by_hand(topic: str) -> None:
    for seed in SEEDS:
        problem = make_problem(topic, seed, 1)
        for name, value in problem.inputs.items():
            values = np.atleast_1d(np.asarray(value, dtype=float))
            assert values.size <= 3, name
            if name != "epsilon":
                np.testing.assert_allclose(values, np.round(values, 1), atol=1e-12, err_msg=name)


@pytest.mark.parametrize("seed", SEEDS)
def test_inputs_are_well_formed(seed: int) -> None:
    for difficulty in DIFFICULTIES:
        for topic in ("softmax_cross_entropy", "softmax_ce_gradient", "label_smoothing_ce"):
            inputs = make_problem(topic, seed, difficulty).inputs
            assert isinstance(inputs["target"], int)
            assert 0 <= inputs["target"] < len(inputs["z"])
            assert len(set(inputs["z"])) == len(inputs["z"]), "tied logits"
        smoothing = make_problem("label_smoothing_ce", seed, difficulty).inputs["epsilon"]
        assert 0 < smoothing < 1
        for topic in ("bce", "bce_logits"):
            labels = make_problem(topic, seed, difficulty).inputs["y"]
            assert set(labels) == {0, 1}
        probabilities = make_problem("bce", seed, difficulty).inputs["p"]
        assert all(0 < v < 1 for v in probabilities)
        logits = make_problem("bce_logits", seed, difficulty).inputs["logits"]
        assert all(0 < abs(v) <= 4 for v in logits), "saturated or zero logit"
        for topic in ("mse", "mae", "mse_gradient"):
            inputs = make_problem(topic, seed, difficulty).inputs
            assert all(a != b for a, b in zip(inputs["y"], inputs["y_hat"], strict=True))


def test_prompts_state_the_conventions() -> None:
    for difficulty in DIFFICULTIES:
        prompts = {t: make_problem(t, 3, difficulty).prompt for t in TOPICS}
        for topic in (
            "softmax_cross_entropy",
            "label_smoothing_ce",
            "bce",
            "bce_logits",
            "log_softmax",
        ):
            assert "natural log" in prompts[topic], topic
        for topic in ("mse", "mse_gradient", "mae", "huber", "bce", "bce_logits"):
            assert "mean reduction" in prompts[topic], topic
        for topic in ("softmax_cross_entropy", "softmax_ce_gradient", "label_smoothing_ce"):
            assert "start at 0" in prompts[topic], topic
        assert "spread evenly over all K classes" in prompts["label_smoothing_ce"]
        assert "PyTorch" in prompts["label_smoothing_ce"]
    # the smoothed target written out is the formula: given by hand, recalled later
    assert (
        "(1 − epsilon)·onehot(target) + epsilon/K"
        in make_problem("label_smoothing_ce", 3, 1).prompt
    )


# ------------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from(DIFFICULTIES))
def test_every_problem_is_sound_and_reproducible(seed: int, difficulty: int) -> None:
    for topic in TOPICS:
        problem = make_problem(topic, seed, difficulty)
        answer = np.asarray(problem.answer, dtype=float)
        assert np.all(np.isfinite(answer))
        assert np.any(np.abs(answer) > 1e-6), "degenerate zero answer"
        if topic in VECTOR_ANSWERS:
            assert answer.shape == (len(problem.inputs.get("z", problem.inputs.get("y"))),)
        else:
            assert answer.shape == ()
            assert float(answer) > 0
        json.dumps(problem.to_json())
        assert problem.steps and all(problem.steps)
        assert problem.hint == problem.steps[0]
        assert make_problem(topic, seed, difficulty) == problem
