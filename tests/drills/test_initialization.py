"""Initialization drills: answers recomputed from the inputs by hand formulas (no engine)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.answers.checking import check_answer
from studyapp.drills import Problem, make_problem, registry
from tests.drills.slipsweep import sweep

SEEDS = range(20)
DIFFICULTIES = (1, 2, 3)

GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2)}


def variance_by_hand(i: dict[str, Any]) -> float:
    fan_in, fan_out = i["fan_in"], i["fan_out"]
    return {"xavier": 2 / (fan_in + fan_out), "he": 2 / fan_in, "lecun": 1 / fan_in}[i["scheme"]]


def std_by_hand(i: dict[str, Any]) -> float:
    if i["nonlinearity"] == "leaky_relu":
        gain = math.sqrt(2 / (1 + i["negative_slope"] ** 2))
    else:
        gain = GAINS[i["nonlinearity"]]
    if i["scheme"] == "xavier":
        std = gain * math.sqrt(2 / (i["fan_in"] + i["fan_out"]))
    else:
        std = gain / math.sqrt(i[i["mode"]])
    return std * math.sqrt(3) if i["distribution"] == "uniform" else std


def propagation_by_hand(i: dict[str, Any]) -> float:
    variance = i["input_variance"]
    for _ in range(i["n_layers"]):
        variance = i["fan_in"] * i["weight_variance"] * variance
    return float(variance)


REFERENCE = {
    "init_variance": variance_by_hand,
    "init_std": std_by_hand,
    "variance_propagation": propagation_by_hand,
}

INPUT_NAMES = {
    "init_variance": {"scheme", "fan_in", "fan_out"},
    "variance_propagation": {"n_layers", "fan_in", "weight_variance", "input_variance"},
}
TOPICS = sorted(REFERENCE)


def init_std_names(problem: Problem) -> set[str]:
    names = {"scheme", "distribution", "fan_in", "fan_out", "nonlinearity"}
    if problem.inputs["scheme"] == "he":
        names.add("mode")
    if problem.inputs["nonlinearity"] == "leaky_relu":
        names.add("negative_slope")
    return names


def is_wrong(value: Any, problem: Problem) -> bool:
    got, expected = np.asarray(value, dtype=float), np.asarray(problem.answer, dtype=float)
    limit = problem.tolerance.abs + problem.tolerance.rel * np.abs(expected)
    return got.shape != expected.shape or bool(np.any(np.abs(got - expected) > limit))


def has_slip(problem: Problem, expected: float) -> bool:
    return any(math.isclose(float(s.value), expected, rel_tol=1e-9) for s in problem.slips)


# ----------------------------------------------------------------------------- the answers


@pytest.mark.parametrize("topic", TOPICS)
def test_answers_match_the_hand_formulas(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            names = init_std_names(problem) if topic == "init_std" else INPUT_NAMES[topic]
            assert set(problem.inputs) == names
            assert problem.answer == pytest.approx(REFERENCE[topic](problem.inputs), rel=1e-12)


def test_init_variance_matches_sympy_uniform_variance() -> None:
    """The normal std and the uniform bound of the worked steps give the same variance."""
    a = sp.symbols("a", positive=True)
    x = sp.symbols("x")
    uniform_variance = sp.integrate(x**2 / (2 * a), (x, -a, a))
    for seed in range(6):
        problem = make_problem("init_std", seed, 2)
        inputs = dict(problem.inputs)
        inputs["distribution"] = "uniform"
        bound = std_by_hand(inputs)
        inputs["distribution"] = "normal"
        std = std_by_hand(inputs)
        assert float(uniform_variance.subs(a, bound)) == pytest.approx(std**2, rel=1e-12)


def test_topics_are_registered_with_their_seed() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topics[topic_id].source.startswith(("001_", "002_"))


# ------------------------------------------------------------------------------- the slips


@pytest.mark.parametrize("seed", SEEDS)
def test_the_modelled_slips_are_offered(seed: int) -> None:
    difficulty = 1 + seed % 3
    p = make_problem("init_variance", seed, difficulty)
    assert has_slip(p, math.sqrt(variance_by_hand(p.inputs)))  # std instead of variance
    if p.inputs["scheme"] == "xavier":
        assert has_slip(p, 2 / p.inputs["fan_in"])  # He's rule

    p = make_problem("init_std", seed, difficulty)
    if p.inputs["nonlinearity"] in ("tanh", "relu"):
        no_gain = dict(p.inputs, nonlinearity="linear")
        assert has_slip(p, std_by_hand(no_gain))

    p = make_problem("variance_propagation", seed, difficulty)
    no_fan = p.inputs["input_variance"] * p.inputs["weight_variance"] ** p.inputs["n_layers"]
    assert has_slip(p, no_fan)


@pytest.mark.parametrize("topic", TOPICS)
def test_slips_are_distinguishable_from_the_answer(topic: str) -> None:
    for difficulty in DIFFICULTIES:
        for seed in SEEDS:
            problem = make_problem(topic, seed, difficulty)
            for slip in problem.slips:
                assert is_wrong(slip.value, problem), slip.feedback
                assert slip.feedback


# ---------------------------------------------------------------------- the drawn numbers


def test_fans_differ_and_difficulty_one_is_small() -> None:
    for topic in ("init_variance", "init_std"):
        for seed in SEEDS:
            for difficulty in DIFFICULTIES:
                inputs = make_problem(topic, seed, difficulty).inputs
                assert inputs["fan_in"] != inputs["fan_out"]
                assert isinstance(inputs["fan_in"], int) and isinstance(inputs["fan_out"], int)
                if difficulty == 1:
                    assert max(inputs["fan_in"], inputs["fan_out"]) <= 20


def test_propagation_never_sits_at_the_stable_point() -> None:
    for seed in SEEDS:
        for difficulty in DIFFICULTIES:
            inputs = make_problem("variance_propagation", seed, difficulty).inputs
            assert abs(inputs["fan_in"] * inputs["weight_variance"] - 1) > 0.05


def test_all_three_schemes_and_both_distributions_appear() -> None:
    schemes = {make_problem("init_variance", s, 1).inputs["scheme"] for s in range(40)}
    assert schemes == {"xavier", "he", "lecun"}
    distributions = {make_problem("init_std", s, 2).inputs["distribution"] for s in range(40)}
    assert distributions == {"normal", "uniform"}


# ------------------------------------------------------------------------ property checks


@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from(DIFFICULTIES))
def test_every_problem_is_well_formed_and_reproducible(
    topic: str, seed: int, difficulty: int
) -> None:
    problem = make_problem(topic, seed, difficulty)
    answer = float(np.asarray(problem.answer))
    assert math.isfinite(answer) and answer > 0
    assert problem.steps and all(step.strip() for step in problem.steps)
    json.dumps(problem.to_json())
    assert make_problem(topic, seed, difficulty) == problem


# ------------------------------------------------------------- named slips (issue 13 item 5)

FIRES = {
    "init_variance": {
        "answer": {
            "init.std_for_variance",
            "init.he_rule_used",
            "init.lecun_rule_used",
            "init.xavier_rule_used",
            "init.wrong_fan",
        }
    },
    "init_std": {
        "answer": {
            "init.gain_left_out",
            "init.std_for_uniform_bound",
            "init.uniform_bound_for_std",
            "init.variance_for_std",
            "init.wrong_fan",
        }
    },
    "variance_propagation": {
        "answer": {"variance_propagation.fan_in_left_out", "variance_propagation.one_layer_short"}
    },
}


@pytest.mark.parametrize("topic", sorted(FIRES))
def test_every_slip_fires_named_and_apart_over_the_sweep(topic: str) -> None:
    """≥ 200 seeds × 3 levels: each registered slip fires somewhere, by its own id; no two
    slips of a problem are within tolerance of each other (slipsweep.sweep)."""
    fired = sweep(topic)
    where = {(name, slip) for name, slips in FIRES[topic].items() for slip in slips}
    found = {(name, slip) for slip, names in fired.items() for name in names}
    assert where == found, (sorted(where - found), sorted(found - where))


def variance_mistakes(i: dict[str, Any]) -> dict[str, float]:
    """Each mistake's value for an init_variance problem, by hand."""
    fan_in, fan_out = i["fan_in"], i["fan_out"]
    std = math.sqrt(variance_by_hand(i))
    return {
        "xavier": {
            "init.std_for_variance": std,
            "init.he_rule_used": 2 / fan_in,
            "init.lecun_rule_used": 1 / fan_in,
        },
        "he": {
            "init.std_for_variance": std,
            "init.wrong_fan": 2 / fan_out,
            "init.xavier_rule_used": 2 / (fan_in + fan_out),
            "init.lecun_rule_used": 1 / fan_in,
        },
        "lecun": {
            "init.std_for_variance": std,
            "init.he_rule_used": 2 / fan_in,
            "init.wrong_fan": 1 / fan_out,
        },
    }[i["scheme"]]


def test_init_variance_names_the_mistake_made() -> None:
    """With fan_out = 2·fan_in, He's 2/fan_out is LeCun's 1/fan_in and the learner who used
    LeCun's rule was told they divided by fan_out: fans are drawn so that every mistake,
    computed here by hand, is named as itself (or is no mistake in that problem)."""
    for level in DIFFICULTIES:
        for seed in range(200):
            problem = make_problem("init_variance", seed, level)
            for mistake_id, value in variance_mistakes(problem.inputs).items():
                verdict = check_answer(repr(value), problem)
                assert verdict.outcome == "wrong", (seed, level, mistake_id)
                assert verdict.slip == mistake_id, (seed, level, mistake_id, problem.inputs)
