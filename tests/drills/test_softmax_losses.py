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

from studyapp.answers.steps import grade_steps
from studyapp.drills import Problem, make_problem, registry
from studyapp.drills.base import accepted, show
from studyapp.drills.mistakes import mistakes

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


# ----------------------------------------------------------------- checkpoints and slip ids

STEP_NAMES = {
    "softmax": ["exps", "total", "answer"],
    "softmax_cross_entropy": ["probs", "p", "answer"],
    "softmax_ce_gradient": ["probs", "answer"],
    "mse": ["squares", "total", "answer"],
    "bce": ["terms", "total", "answer"],
}


def typed(value: Any) -> str:
    return show(value, 12)


def slip_at(problem: Problem, answers: dict[str, Any], name: str) -> str:
    """The slip id named at checkpoint `name` when `answers` are typed."""
    verdict = grade_steps(problem, {k: typed(v) for k, v in answers.items()})
    step = next(s for s in verdict.steps if s.name == name)
    assert step.status == "wrong" and verdict.first_wrong is step, step
    return step.slip


@pytest.mark.parametrize("topic", sorted(STEP_NAMES))
def test_checkpoint_names(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        names = [p.name for p in make_problem(topic, 6, difficulty).checkpoints]
        assert names == STEP_NAMES[topic]


def test_softmax_worked_case() -> None:
    p = make_problem("softmax", 2, 1)
    z = np.asarray(p.inputs["z"])
    exps, total, answer = p.checkpoints
    np.testing.assert_allclose(exps.value, [math.exp(v) for v in z], rtol=1e-12)
    np.testing.assert_allclose(total.value, sum(math.exp(v) for v in z), rtol=1e-12)
    np.testing.assert_allclose(answer.recompute({"exps": [1.0, 2.0, 1.0], "total": 4.0}),
                               [0.25, 0.5, 0.25])  # fmt: skip
    raw = np.exp(z)
    assert slip_at(p, {"exps": raw, "total": raw.sum(), "answer": raw}, "answer") == (
        "softmax.not_normalised"
    )


def test_cross_entropy_worked_case_and_log_base_10() -> None:
    p = make_problem("softmax_cross_entropy", 7, 1)
    z, t = p.inputs["z"], p.inputs["target"]
    s = softmax_by_hand(z)
    probs, pick, answer = p.checkpoints
    np.testing.assert_allclose(probs.value, s, rtol=1e-12)
    np.testing.assert_allclose(pick.value, s[t], rtol=1e-12)
    np.testing.assert_allclose(answer.value, -math.log(s[t]), rtol=1e-12)
    log10 = -math.log10(s[t])
    assert slip_at(p, {"probs": s, "p": s[t], "answer": log10}, "answer") == "softmax.log_base_10"
    assert slip_at(p, {"answer": log10}, "answer") == "softmax.log_base_10"
    assert slip_at(p, {"probs": s, "p": s[t], "answer": math.log(s[t])}, "answer") == (
        "cross_entropy.missing_minus"
    )


def test_a_one_based_target_is_named() -> None:
    for seed in SEEDS:
        p = make_problem("softmax_cross_entropy", seed, 2)
        t = p.inputs["target"]
        if t == 0:
            continue
        s = softmax_by_hand(p.inputs["z"])
        assert slip_at(p, {"probs": s, "p": s[t - 1]}, "p") == "classes.one_based_index"
        grad = make_problem("softmax_ce_gradient", seed, 2)
        t = grad.inputs["target"]
        if t:
            s = softmax_by_hand(grad.inputs["z"])
            wrong = s - one_hot_by_hand(t - 1, s.size)
            assert slip_at(grad, {"answer": wrong}, "answer") == "classes.one_based_index"


def test_softmax_ce_gradient_worked_case() -> None:
    p = make_problem("softmax_ce_gradient", 3, 1)
    z, t = p.inputs["z"], p.inputs["target"]
    s = softmax_by_hand(z)
    probs, answer = p.checkpoints
    np.testing.assert_allclose(probs.value, s, rtol=1e-12)
    np.testing.assert_allclose(answer.recompute({"probs": [0.2, 0.3, 0.5]}),
                               np.array([0.2, 0.3, 0.5]) - one_hot_by_hand(t, 3))  # fmt: skip
    assert slip_at(p, {"probs": s, "answer": s}, "answer") == "softmax_ce.forgot_onehot"
    assert slip_at(p, {"probs": np.exp(z)}, "probs") == "softmax.not_normalised"


def test_mse_worked_case_carries_a_wrong_square() -> None:
    p = make_problem("mse", 5, 1)
    r = np.asarray(p.inputs["y"]) - np.asarray(p.inputs["y_hat"])
    squares, total, _answer = p.checkpoints
    np.testing.assert_allclose(squares.value, r**2, rtol=1e-12)
    np.testing.assert_allclose(total.value, (r**2).sum(), rtol=1e-12)
    assert slip_at(p, {"squares": r}, "squares") == "mse.residual_not_squared"
    assert slip_at(p, {"squares": r**2, "total": (r**2).sum(), "answer": (r**2).sum()},
                   "answer") == "loss.sum_not_mean"  # fmt: skip
    bad = r**2
    bad[0] += 1.0
    verdict = grade_steps(p, {"squares": typed(bad), "total": typed(bad.sum()),
                              "answer": typed(bad.mean())})  # fmt: skip
    assert [s.status for s in verdict.steps] == ["wrong", "carried", "carried"]
    assert verdict.one_slip


def test_bce_worked_case_and_slips() -> None:
    p = make_problem("bce", 9, 2)
    y, prob = np.asarray(p.inputs["y"], float), np.asarray(p.inputs["p"])
    terms = -(y * np.log(prob) + (1 - y) * np.log(1 - prob))
    step_terms, _total, answer = p.checkpoints
    np.testing.assert_allclose(step_terms.value, terms, rtol=1e-12)
    np.testing.assert_allclose(answer.value, terms.mean(), rtol=1e-12)
    assert slip_at(p, {"terms": terms / math.log(10)}, "terms") == "softmax.log_base_10"
    swapped = -((1 - y) * np.log(prob) + y * np.log(1 - prob))
    assert slip_at(p, {"terms": swapped}, "terms") == "bce.branches_swapped"
    assert slip_at(p, {"terms": -terms}, "terms") == "cross_entropy.missing_minus"
    assert slip_at(p, {"answer": terms.sum()}, "answer") == "loss.sum_not_mean"


def test_every_slip_of_the_family_has_a_registered_id() -> None:
    known = mistakes()
    seen: set[str] = set()
    for topic in TOPICS:
        for difficulty in DIFFICULTIES:
            for seed in range(30):
                p = make_problem(topic, seed, difficulty)
                for slip in [*p.slips, *(s for point in p.checkpoints for s in point.slips)]:
                    assert slip.id in known, (topic, seed, difficulty, slip.feedback)
                    seen.add(slip.id)
    assert {"softmax.log_base_10", "loss.sum_not_mean", "squared_loss.sign_flipped"} <= seen


def test_every_mistake_of_the_family_fires_and_slips_stay_apart() -> None:
    """Over 200 seeds × 3 levels: each id this module registers is offered somewhere, and at
    every step neither the step's value nor an earlier slip would claim a slip typed exactly."""
    from studyapp.drills import softmax_losses

    module = vars(softmax_losses).values()
    registered = {v for v in module if isinstance(v, str) and v in mistakes()}
    fired: set[str] = set()
    for topic in TOPICS:
        for difficulty in DIFFICULTIES:
            for seed in range(200):
                p = make_problem(topic, seed, difficulty)
                for point in p.checkpoints:
                    tolerance = point.tolerance or p.tolerance
                    values = [point.value, *(s.value for s in point.slips)]
                    for i, earlier in enumerate(values):
                        for later in values[i + 1 :]:  # as the checker matches: in order
                            assert not accepted(later, earlier, tolerance), (
                                topic,
                                seed,
                                difficulty,
                            )
                    fired.update(s.id for s in point.slips)
    assert registered - fired == set()
