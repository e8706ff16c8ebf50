"""Architecture drills: answers recomputed from the inputs with loops written out here."""

import json
import math
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.answers import check_answer
from studyapp.answers.steps import grade_steps
from studyapp.drills.base import EXACT, mat
from studyapp.drills.registry import make_problem
from tests.drills.sweep import fired_slips

CASES = [(seed, difficulty) for seed in range(20) for difficulty in (1, 2, 3)]
TOPICS = [
    "conv_output_size",
    "pooling_output",
    "mlp_param_count",
    "conv_param_count",
    "attention",
    "causal_attention",
]


def naive_weights(Q: np.ndarray, K: np.ndarray, causal: bool) -> np.ndarray:
    n, d_k = Q.shape
    A = np.zeros((n, K.shape[0]))
    for i in range(n):
        keys = range(i + 1) if causal else range(K.shape[0])
        scores = [sum(Q[i, c] * K[j, c] for c in range(d_k)) / math.sqrt(d_k) for j in keys]
        total = sum(math.exp(s) for s in scores)
        for j, s in zip(keys, scores, strict=True):
            A[i, j] = math.exp(s) / total
    return A


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_conv_output_size(seed: int, difficulty: int) -> None:
    problem = make_problem("conv_output_size", seed, difficulty)
    i = problem.inputs
    assert list(i) == ["n", "kernel", "padding", "stride"]
    span = i["n"] - i["kernel"] + 2 * i["padding"]
    assert problem.answer == span // i["stride"] + 1
    assert isinstance(problem.answer, int) and problem.tolerance == EXACT
    # by hand the stride divides evenly; later the floor must matter
    assert (span % i["stride"] == 0) == (difficulty == 1)
    slips = [s.value for s in problem.slips]
    assert span // i["stride"] in slips  # the forgotten + 1
    if difficulty > 1:
        assert span / i["stride"] + 1 in slips  # the forgotten floor


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_pooling_output(seed: int, difficulty: int) -> None:
    problem = make_problem("pooling_output", seed, difficulty)
    i = problem.inputs
    assert list(i) == ["X", "kernel", "stride", "mode"]
    X, k, s = np.asarray(i["X"]), i["kernel"], i["stride"]
    side = (X.shape[0] - k) // s + 1
    expected = np.zeros((side, side))
    for r in range(side):
        for c in range(side):
            window = [X[r * s + u][c * s + v] for u in range(k) for v in range(k)]
            expected[r, c] = max(window) if i["mode"] == "max" else sum(window) / len(window)
    np.testing.assert_allclose(problem.answer, expected, rtol=1e-12)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_mlp_param_count(seed: int, difficulty: int) -> None:
    problem = make_problem("mlp_param_count", seed, difficulty)
    widths = problem.inputs["widths"]
    total = 0
    for n_in, n_out in pairwise(widths):
        total += n_in * n_out + n_out
    assert problem.answer == total and problem.tolerance == EXACT
    assert [s.value for s in problem.slips] == [total - sum(widths[1:])]


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_conv_param_count(seed: int, difficulty: int) -> None:
    problem = make_problem("conv_param_count", seed, difficulty)
    i = problem.inputs
    assert list(i) == ["in_channels", "out_channels", "kernel", "bias"]
    assert isinstance(i["bias"], bool)
    weights = i["out_channels"] * i["in_channels"] * i["kernel"] ** 2
    assert problem.answer == weights + (i["out_channels"] if i["bias"] else 0)
    assert problem.tolerance == EXACT


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_attention(seed: int, difficulty: int) -> None:
    problem = make_problem("attention", seed, difficulty)
    assert list(problem.inputs) == ["Q", "K", "V"]
    Q, K, V = (np.asarray(problem.inputs[name]) for name in ("Q", "K", "V"))
    A = naive_weights(Q, K, causal=False)
    np.testing.assert_allclose(problem.answer, A @ V, rtol=1e-10, atol=1e-12)
    # the unscaled slip is always there to recognise
    unscaled = naive_weights(Q * math.sqrt(Q.shape[1]), K, causal=False) @ V
    assert any(np.allclose(s.value, unscaled, rtol=1e-10) for s in problem.slips)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_causal_attention(seed: int, difficulty: int) -> None:
    problem = make_problem("causal_attention", seed, difficulty)
    assert list(problem.inputs) == ["Q", "K"]
    Q, K = np.asarray(problem.inputs["Q"]), np.asarray(problem.inputs["K"])
    answer = np.asarray(problem.answer)
    np.testing.assert_allclose(answer, naive_weights(Q, K, causal=True), rtol=1e-10, atol=1e-15)
    assert np.all(np.triu(answer, 1) == 0.0)
    np.testing.assert_allclose(answer.sum(axis=1), 1.0)


def test_attention_by_hand_is_small() -> None:
    for seed in range(20):
        i = make_problem("attention", seed, 1).inputs
        assert np.shape(i["Q"]) == (2, 4) and np.shape(i["V"]) == (2, 2)
        assert all(float(x).is_integer() for row in i["Q"] + i["K"] for x in row)


def within(value: Any, answer: Any, rel: float, abs_: float) -> bool:
    a, b = np.asarray(value, dtype=float), np.asarray(answer, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= abs_ + rel * np.abs(b)))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(TOPICS), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 3]))
def test_problems_are_sound(topic: str, seed: int, difficulty: int) -> None:
    problem = make_problem(topic, seed, difficulty)
    answer = np.asarray(problem.answer, dtype=float)
    assert np.all(np.isfinite(answer))
    assert np.any(answer != 0)
    if answer.ndim == 2:
        assert len(np.unique(answer)) > 1
    tol = problem.tolerance
    for slip in problem.slips:
        assert not within(slip.value, problem.answer, tol.rel, tol.abs)
    text = json.dumps(problem.to_json())
    assert "-0.0," not in text and "-0.0]" not in text
    assert problem.steps and all(problem.steps)
    assert make_problem(topic, seed, difficulty) == problem


# ---------------------------------------------------------------- steps and slips (issue 13)


def test_conv_output_size_steps() -> None:
    for level in (1, 2, 3):
        problem = make_problem("conv_output_size", 4, level)
        names = [point.name for point in problem.checkpoints]
        assert names == ["quotient", "strides", "answer"]
        i = problem.inputs
        span = i["n"] - i["kernel"] + 2 * i["padding"]
        values = [point.value for point in problem.checkpoints]
        assert values == [span / i["stride"], span // i["stride"], span // i["stride"] + 1]


@pytest.mark.parametrize("difficulty", [2, 3])
def test_an_unfloored_size_typed_to_two_decimals_is_the_floor_slip(difficulty: int) -> None:
    """Issue 13, item 5: 14.33 for an unfloored 14.333… is named, one line or step by step,
    on every problem; the exact whole number is still the only right answer. (At level 1 the
    stride divides evenly by design, so there is no floor to forget.)"""
    for seed in range(200):
        problem = make_problem("conv_output_size", seed, difficulty)
        i = problem.inputs
        quotient = (i["n"] - i["kernel"] + 2 * i["padding"]) / i["stride"]
        assert not quotient.is_integer()
        verdict = check_answer(f"{quotient + 1:.2f}", problem)
        assert verdict.outcome == "wrong", (seed, verdict.message)
        assert verdict.slip == "conv.forgot_floor", (seed, verdict.message)
        steps = grade_steps(problem, {"quotient": f"{quotient:.2f}", "strides": f"{quotient:.2f}"})
        assert steps.steps[0].status == "right"
        assert steps.steps[1].slip == "conv.forgot_floor", (seed, steps.message)
        assert check_answer(str(math.floor(quotient) + 1), problem).outcome == "correct"
        assert check_answer(f"{math.floor(quotient) + 1}.01", problem).outcome == "wrong"


def test_attention_steps_by_hand() -> None:
    for level in (1, 2, 3):
        problem = make_problem("attention", 6, level)
        assert [p.name for p in problem.checkpoints] == ["scores", "weights", "answer"]
        Q, K = np.asarray(problem.inputs["Q"]), np.asarray(problem.inputs["K"])
        raw = Q @ K.T
        scores, weights, _ = (np.asarray(p.value) for p in problem.checkpoints)
        np.testing.assert_allclose(scores, raw / math.sqrt(Q.shape[1]), rtol=1e-12)
        np.testing.assert_allclose(weights, naive_weights(Q, K, causal=False), rtol=1e-10)
        unscaled = grade_steps(problem, {"scores": mat(raw, 8)})
        assert unscaled.steps[0].slip == "attention.unscaled"


SLIPS = {
    "conv_output_size": {
        "quotient": {"conv.padding_once", "conv.kernel_not_subtracted"},
        "strides": {"conv.forgot_floor", "conv.rounded_up"},
        "answer": {"conv.forgot_plus_one", "conv.forgot_floor"},
    },
    "attention": {
        "scores": {"attention.unscaled", "attention.scaled_by_d_k", "attention.scores_transposed"},
        "weights": {"attention.softmax_over_columns"},
        "answer": {"attention.unscaled", "attention.output_transposed"},
    },
    "causal_attention": {"answer": {"attention.no_causal_mask", "attention.unscaled"}},
    "pooling_output": {"answer": {"pooling.wrong_mode"}},
    "mlp_param_count": {"answer": {"param_count.forgot_biases"}},
    "conv_param_count": {"answer": {"conv.forgot_in_channels", "conv.bias_miscounted"}},
}


@pytest.mark.parametrize("topic", TOPICS)
def test_every_slip_fires_and_no_two_are_confused(topic: str) -> None:
    assert fired_slips(topic) == SLIPS[topic]
