"""Normalization drills: answers recomputed from the inputs with written-out formulas, and the
LayerNorm backward answer against finite differences of a hand-written LayerNorm."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.gradcheck import numerical_gradient
from studyapp.answers.steps import grade_steps
from studyapp.drills import Problem, make_problem, registry
from tests.drills.sweep import fired_slips

SEEDS = range(20)
DIFFICULTIES = (1, 2, 3)


def standardized(values: list[float], eps: float, ddof: int = 0) -> list[float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - ddof)
    return [(v - mean) / math.sqrt(var + eps) for v in values]


def layer_norm_by_hand(i: dict[str, Any]) -> list[float]:
    return standardized(i["x"], i["eps"])


def batch_norm_by_hand(i: dict[str, Any]) -> list[list[float]]:
    columns = [standardized(list(col), i["eps"]) for col in zip(*i["X"], strict=True)]
    return [list(row) for row in zip(*columns, strict=True)]


def rms_norm_by_hand(i: dict[str, Any]) -> list[float]:
    x = i["x"]
    root = math.sqrt(sum(v * v for v in x) / len(x) + i["eps"])
    return [v / root for v in x]


def batch_norm_eval_by_hand(i: dict[str, Any]) -> list[float]:
    rows = zip(i["x"], i["running_mean"], i["running_var"], i["gamma"], i["beta"], strict=True)
    return [g * (x - m) / math.sqrt(v + i["eps"]) + b for x, m, v, g, b in rows]


def running_var_by_hand(i: dict[str, Any]) -> list[float]:
    momentum = i["momentum"]
    out = []
    for column, old in zip(zip(*i["X"], strict=True), i["running_var"], strict=True):
        n = len(column)
        mean = sum(column) / n
        unbiased = sum((v - mean) ** 2 for v in column) / (n - 1)
        out.append((1 - momentum) * old + momentum * unbiased)
    return out


def layer_norm_backward_by_differences(i: dict[str, Any]) -> np.ndarray:
    grad_y = np.asarray(i["grad_y"])

    def loss(x: np.ndarray) -> float:
        return float(np.dot(standardized(list(x), i["eps"]), grad_y))

    return numerical_gradient(loss, np.asarray(i["x"], dtype=float))


REFERENCE = {
    "layer_norm": layer_norm_by_hand,
    "batch_norm": batch_norm_by_hand,
    "rms_norm": rms_norm_by_hand,
    "batch_norm_eval": batch_norm_eval_by_hand,
    "batch_norm_running_stats": running_var_by_hand,
}

INPUT_NAMES = {
    "layer_norm": {"x", "eps"},
    "batch_norm": {"X", "eps"},
    "rms_norm": {"x", "eps"},
    "batch_norm_eval": {"x", "running_mean", "running_var", "gamma", "beta", "eps"},
    "batch_norm_running_stats": {"X", "running_var", "momentum"},
    "layer_norm_backward": {"x", "grad_y", "eps"},
}
TOPICS = sorted(INPUT_NAMES)


def is_wrong(value: Any, problem: Problem) -> bool:
    got, expected = np.asarray(value, dtype=float), np.asarray(problem.answer, dtype=float)
    limit = problem.tolerance.abs + problem.tolerance.rel * np.abs(expected)
    return got.shape != expected.shape or bool(np.any(np.abs(got - expected) > limit))


def has_slip(problem: Problem, expected: Any) -> bool:
    return any(
        np.shape(s.value) == np.shape(expected)
        and np.allclose(s.value, expected, rtol=1e-9, atol=1e-12)
        for s in problem.slips
    )


# ----------------------------------------------------------------------------- the answers


@pytest.mark.parametrize("topic", sorted(REFERENCE))
def test_answers_match_the_written_out_formulas(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            assert set(problem.inputs) == INPUT_NAMES[topic]
            expected = REFERENCE[topic](problem.inputs)
            np.testing.assert_allclose(problem.answer, expected, rtol=1e-10, atol=1e-12)


def test_layer_norm_backward_matches_finite_differences() -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem("layer_norm_backward", seed, difficulty)
            assert set(problem.inputs) == INPUT_NAMES["layer_norm_backward"]
            numeric = layer_norm_backward_by_differences(problem.inputs)
            np.testing.assert_allclose(problem.answer, numeric, rtol=1e-6, atol=1e-8)


def test_topics_are_registered_with_their_seed() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topics[topic_id].source.startswith(("001_", "002_"))


# ------------------------------------------------------------------------------- the slips


@pytest.mark.parametrize("seed", SEEDS)
def test_the_modelled_slips_are_offered(seed: int) -> None:
    difficulty = 1 + seed % 3
    p = make_problem("layer_norm", seed, difficulty)
    assert has_slip(p, standardized(p.inputs["x"], p.inputs["eps"], ddof=1))

    p = make_problem("batch_norm", seed, difficulty)
    X, eps = p.inputs["X"], p.inputs["eps"]
    unbiased = [standardized(list(c), eps, ddof=1) for c in zip(*X, strict=True)]
    assert has_slip(p, np.array(unbiased).T)
    assert has_slip(p, [standardized(row, eps) for row in X])  # rows: that is LayerNorm

    p = make_problem("batch_norm_running_stats", seed, difficulty)
    biased_update = [
        (1 - p.inputs["momentum"]) * old + p.inputs["momentum"] * float(np.var(col))
        for col, old in zip(np.asarray(p.inputs["X"]).T, p.inputs["running_var"], strict=True)
    ]
    assert has_slip(p, biased_update) or not is_wrong(biased_update, p)

    p = make_problem("rms_norm", seed, difficulty)
    assert has_slip(p, standardized(p.inputs["x"], p.inputs["eps"]))


@pytest.mark.parametrize("topic", TOPICS)
def test_slips_are_distinguishable_from_the_answer(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            for slip in problem.slips:
                assert is_wrong(slip.value, problem), slip.feedback
                assert slip.feedback


# ---------------------------------------------------------------------- the drawn numbers


def test_difficulty_one_is_workable_by_hand() -> None:
    for topic in TOPICS:
        for seed in SEEDS:
            inputs = make_problem(topic, seed, 1).inputs
            assert inputs.get("eps", 1e-5) == 1e-5
            for name, value in inputs.items():
                if name in ("eps", "momentum"):
                    continue
                values = np.asarray(value, dtype=float)
                np.testing.assert_allclose(values, np.round(values, 1), atol=1e-12, err_msg=name)
                assert values.size <= 6, name


def test_no_normalized_slice_is_constant() -> None:
    for seed in SEEDS:
        for difficulty in DIFFICULTIES:
            X = np.asarray(make_problem("batch_norm", seed, difficulty).inputs["X"])
            assert X.shape[0] >= 3 and np.all(np.var(X, axis=0) >= 0.1)
            x = np.asarray(make_problem("layer_norm", seed, difficulty).inputs["x"])
            assert np.var(x) >= 0.1


# ------------------------------------------------------------------------ property checks


@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from(DIFFICULTIES))
def test_every_problem_is_well_formed_and_reproducible(
    topic: str, seed: int, difficulty: int
) -> None:
    problem = make_problem(topic, seed, difficulty)
    answer = np.asarray(problem.answer, dtype=float)
    assert answer.ndim in (1, 2) and np.all(np.isfinite(answer))
    assert np.any(np.abs(answer) > 1e-3), "an all-zero answer"
    assert problem.steps and all(step.strip() for step in problem.steps)
    json.dumps(problem.to_json())
    assert make_problem(topic, seed, difficulty) == problem


# ------------------------------------------------------------ steps and slips (issue 13)


def test_layer_norm_steps_by_hand() -> None:
    for difficulty in DIFFICULTIES:
        problem = make_problem("layer_norm", 8, difficulty)
        assert [p.name for p in problem.checkpoints] == ["mean", "var", "answer"]
        x, eps = problem.inputs["x"], problem.inputs["eps"]
        mean = sum(x) / len(x)
        var = sum((v - mean) ** 2 for v in x) / len(x)
        assert problem.checkpoints[0].value == pytest.approx(mean, rel=1e-12)
        assert problem.checkpoints[1].value == pytest.approx(var, rel=1e-12)
        unbiased = sum((v - mean) ** 2 for v in x) / (len(x) - 1)
        verdict = grade_steps(problem, {"mean": f"{mean:.6f}", "var": f"{unbiased:.6f}"})
        assert verdict.steps[1].slip == "layer_norm.unbiased_variance"
        # the answer from the learner's own (unbiased) variance is carried, not wrong again
        own = [(v - mean) / math.sqrt(unbiased + eps) for v in x]
        verdict = grade_steps(
            problem,
            {
                "mean": f"{mean:.6f}",
                "var": f"{unbiased:.6f}",
                "answer": ", ".join(f"{v:.6f}" for v in own),
            },
        )
        assert [s.status for s in verdict.steps] == ["right", "wrong", "carried"]


def test_batch_norm_steps_by_hand() -> None:
    for difficulty in DIFFICULTIES:
        problem = make_problem("batch_norm", 8, difficulty)
        assert [p.name for p in problem.checkpoints] == ["mean", "var", "answer"]
        columns = list(zip(*problem.inputs["X"], strict=True))
        means = [sum(c) / len(c) for c in columns]
        var = [sum((v - m) ** 2 for v in c) / len(c) for c, m in zip(columns, means, strict=True)]
        np.testing.assert_allclose(problem.checkpoints[0].value, means, rtol=1e-12)
        np.testing.assert_allclose(problem.checkpoints[1].value, var, rtol=1e-12)
        row_means = [sum(row) / len(row) for row in problem.inputs["X"]]
        verdict = grade_steps(problem, {"mean": ", ".join(f"{m:.6f}" for m in row_means)})
        assert verdict.steps[0].slip == "batch_norm.normalized_rows"


SLIPS = {
    "layer_norm": {
        "var": {"layer_norm.unbiased_variance"},
        "answer": {
            "layer_norm.unbiased_variance",
            "normalization.divided_by_variance",
            "normalization.not_centred",
        },
    },
    "batch_norm": {
        "mean": {"batch_norm.normalized_rows"},
        "var": {"batch_norm.unbiased_variance", "batch_norm.normalized_rows"},
        "answer": {
            "batch_norm.unbiased_variance",
            "batch_norm.normalized_rows",
            "normalization.divided_by_variance",
            "normalization.not_centred",
        },
    },
    "rms_norm": {"answer": {"rms_norm.subtracted_mean"}},
    "batch_norm_eval": {
        "answer": {"batch_norm.forgot_scale_shift", "normalization.divided_by_variance"}
    },
    "batch_norm_running_stats": {
        "answer": {
            "batch_norm.biased_running_variance",
            "batch_norm.momentum_swapped",
            "batch_norm.no_moving_average",
        }
    },
    "layer_norm_backward": {"answer": {"layer_norm.statistics_as_constants"}},
}


@pytest.mark.parametrize("topic", TOPICS)
def test_every_slip_fires_and_no_two_are_confused(topic: str) -> None:
    assert fired_slips(topic) == SLIPS[topic]
