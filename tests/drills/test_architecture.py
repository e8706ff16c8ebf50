"""Architecture drills: answers recomputed from the inputs with loops written out here."""

import json
import math
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.drills.base import EXACT
from studyapp.drills.registry import make_problem

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
