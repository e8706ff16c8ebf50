"""Regularization drills: answers recomputed from the inputs element by element (no engine)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.drills import Problem, make_problem, registry
from tests.drills.slipsweep import named, sweep

SEEDS = range(20)
DIFFICULTIES = (1, 2, 3)


def dropout_by_hand(i: dict[str, Any]) -> list[float]:
    return [m * h / (1 - i["p"]) for h, m in zip(i["h"], i["mask"], strict=True)]


def clip_norm_by_hand(i: dict[str, Any]) -> list[float]:
    norm = math.sqrt(sum(g * g for g in i["grad"]))
    scale = min(1.0, i["max_norm"] / (norm + 1e-6))
    return [g * scale for g in i["grad"]]


def clip_value_by_hand(i: dict[str, Any]) -> list[float]:
    c = i["clip_value"]
    return [min(max(g, -c), c) for g in i["grad"]]


def weight_decay_by_hand(i: dict[str, Any]) -> list[float]:
    return [g + i["weight_decay"] * w for g, w in zip(i["grad"], i["w"], strict=True)]


REFERENCE = {
    "dropout": dropout_by_hand,
    "grad_clip": clip_norm_by_hand,
    "clip_by_value": clip_value_by_hand,
    "l2_penalty": weight_decay_by_hand,
}

INPUT_NAMES = {
    "dropout": {"h", "p", "mask"},
    "grad_clip": {"grad", "max_norm"},
    "clip_by_value": {"grad", "clip_value"},
    "l2_penalty": {"w", "grad", "weight_decay"},
}
TOPICS = sorted(REFERENCE)


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


@pytest.mark.parametrize("topic", TOPICS)
def test_answers_match_an_independent_computation(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            assert set(problem.inputs) == INPUT_NAMES[topic]
            expected = REFERENCE[topic](problem.inputs)
            np.testing.assert_allclose(problem.answer, expected, rtol=1e-12, atol=1e-15)


def test_weight_decay_answer_is_the_sympy_gradient_of_the_penalized_loss() -> None:
    for seed in range(5):
        problem = make_problem("l2_penalty", seed, 2)
        w_values, grad = problem.inputs["w"], problem.inputs["grad"]
        lam = sp.nsimplify(problem.inputs["weight_decay"])
        ws = sp.symbols(f"w0:{len(w_values)}")
        # a loss whose gradient at w is `grad` (linear in w), plus PyTorch's λ/2·‖w‖²
        loss = sum(sp.nsimplify(g) * w for g, w in zip(grad, ws, strict=True))
        total = loss + lam / 2 * sum(w**2 for w in ws)
        at = {w: sp.nsimplify(v) for w, v in zip(ws, w_values, strict=True)}
        expected = [float(sp.diff(total, w).subs(at)) for w in ws]
        np.testing.assert_allclose(problem.answer, expected, rtol=1e-12)


def test_topics_are_registered_with_their_seed() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topics[topic_id].source.startswith(("001_", "002_"))


# ------------------------------------------------------------------------------- the slips


@pytest.mark.parametrize("seed", SEEDS)
def test_the_modelled_slips_are_offered(seed: int) -> None:
    difficulty = 1 + seed % 3
    p = make_problem("dropout", seed, difficulty)
    h, mask, rate = np.asarray(p.inputs["h"]), np.asarray(p.inputs["mask"]), p.inputs["p"]
    assert has_slip(p, mask * h * (1 - rate))  # the old inference-time convention
    assert has_slip(p, mask * h)  # no scaling at all

    p = make_problem("grad_clip", seed, difficulty)
    c = p.inputs["max_norm"]
    by_value = np.clip(p.inputs["grad"], -c, c)
    assert has_slip(p, by_value) or not is_wrong(by_value, p)

    p = make_problem("l2_penalty", seed, difficulty)
    doubled = np.asarray(p.inputs["grad"]) + 2 * p.inputs["weight_decay"] * np.asarray(
        p.inputs["w"]
    )
    assert has_slip(p, doubled) or not is_wrong(doubled, p)
    assert has_slip(p, p.inputs["grad"])


@pytest.mark.parametrize("topic", TOPICS)
def test_slips_are_distinguishable_from_the_answer(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            for slip in problem.slips:
                assert is_wrong(slip.value, problem), slip.feedback
                assert slip.feedback


# ---------------------------------------------------------------------- the drawn numbers


def test_dropout_inputs_are_well_formed() -> None:
    for seed in SEEDS:
        for difficulty in DIFFICULTIES:
            inputs = make_problem("dropout", seed, difficulty).inputs
            mask = inputs["mask"]
            assert set(mask) <= {0.0, 1.0} and 0 < sum(mask) < len(mask)
            assert 0 < inputs["p"] < 1
            assert all(h != 0 for h in inputs["h"])
            if difficulty == 1:
                assert len(inputs["h"]) == 3
                np.testing.assert_allclose(inputs["h"], np.round(inputs["h"], 1), atol=1e-12)


def test_most_gradients_exceed_max_norm_and_none_sit_on_it() -> None:
    exceeded = 0
    for seed in range(60):
        inputs = make_problem("grad_clip", seed, 1 + seed % 3).inputs
        norm = math.sqrt(sum(g * g for g in inputs["grad"]))
        assert abs(norm - inputs["max_norm"]) > 0.1 * inputs["max_norm"]
        exceeded += norm > inputs["max_norm"]
    assert exceeded >= 45


def test_clip_by_value_clips_some_entries_and_keeps_others() -> None:
    for seed in SEEDS:
        for difficulty in DIFFICULTIES:
            inputs = make_problem("clip_by_value", seed, difficulty).inputs
            outside = [abs(g) > inputs["clip_value"] for g in inputs["grad"]]
            assert any(outside) and not all(outside)


# ------------------------------------------------------------------------ property checks


@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from(DIFFICULTIES))
def test_every_problem_is_well_formed_and_reproducible(
    topic: str, seed: int, difficulty: int
) -> None:
    problem = make_problem(topic, seed, difficulty)
    answer = np.asarray(problem.answer, dtype=float)
    assert answer.ndim == 1 and np.all(np.isfinite(answer))
    assert np.any(np.abs(answer) > 1e-6), "an all-zero answer"
    assert problem.steps and all(step.strip() for step in problem.steps)
    json.dumps(problem.to_json())
    assert make_problem(topic, seed, difficulty) == problem


# ------------------------------------------------------------- steps and named slips (issue 13)

FIRES = {
    "dropout": {
        "answer": {
            "dropout.multiplied_by_keep",
            "dropout.no_rescale",
            "dropout.mask_left_out",
            "dropout.mask_inverted",
        }
    },
    "grad_clip": {
        "norm": {"vector_norm.no_square_root", "vector_norm.l1_for_l2"},
        "scale": {"grad_clip.ratio_inverted", "grad_clip.scaled_up"},
        "answer": {
            "clipping.by_value_for_norm",
            "grad_clip.max_norm_left_out",
            "grad_clip.scaled_up",
        },
    },
    "clip_by_value": {"answer": {"clipping.by_norm_for_value"}},
    "l2_penalty": {
        "answer": {"weight_decay.left_out", "weight_decay.doubled", "weight_decay.l1_sign"}
    },
}


@pytest.mark.parametrize("topic", sorted(FIRES))
def test_every_slip_fires_named_and_apart_over_the_sweep(topic: str) -> None:
    """≥ 200 seeds × 3 levels: each registered slip fires somewhere, by its own id, at its
    step; no two slips of a step are within tolerance of each other (slipsweep.sweep)."""
    fired = sweep(topic)
    where = {(name, slip) for name, slips in FIRES[topic].items() for slip in slips}
    found = {(name, slip) for slip, names in fired.items() for name in names}
    assert where == found, (sorted(where - found), sorted(found - where))


def test_grad_clip_checkpoints_worked_by_hand() -> None:
    for seed in range(30):
        for level in DIFFICULTIES:
            problem = make_problem("grad_clip", seed, level)
            assert [p.name for p in problem.checkpoints] == ["norm", "scale", "answer"]
            grad, max_norm = problem.inputs["grad"], problem.inputs["max_norm"]
            squares = sum(g * g for g in grad)
            norm, scale, answer = (p.value for p in problem.checkpoints)
            assert norm == pytest.approx(math.sqrt(squares), rel=1e-12)
            assert scale == pytest.approx(min(1.0, max_norm / (math.sqrt(squares) + 1e-6)))
            np.testing.assert_allclose(answer, clip_norm_by_hand(problem.inputs), rtol=1e-12)
            at_norm = {s.id: s.value for s in problem.checkpoints[0].slips}
            if "vector_norm.no_square_root" in at_norm:  # Σg², the root forgotten
                assert at_norm["vector_norm.no_square_root"] == pytest.approx(squares)


def test_grad_clip_under_the_limit_names_scaling_up() -> None:
    """Under the limit the factor is 1; max_norm/‖g‖ > 1 scales the gradient up."""
    seen = 0
    for seed in range(200):
        problem = make_problem("grad_clip", seed, 2)
        norm = math.sqrt(sum(g * g for g in problem.inputs["grad"]))
        if norm >= problem.inputs["max_norm"]:
            continue
        seen += 1
        up = [g * problem.inputs["max_norm"] / norm for g in problem.inputs["grad"]]
        assert named(problem, 2, up) == "grad_clip.scaled_up"
    assert seen >= 10


def test_dropout_slip_ids_are_the_issue_names() -> None:
    problem = make_problem("dropout", 3, 1)
    i = problem.inputs
    by_id = {s.id: s.value for s in problem.slips}
    keep = [m * h * (1 - i["p"]) for h, m in zip(i["h"], i["mask"], strict=True)]
    np.testing.assert_allclose(by_id["dropout.multiplied_by_keep"], keep, rtol=1e-12)
