"""Neuron and forward-pass drills: every answer recomputed from the problem's inputs with
definitions written out here (math module, plain NumPy), never with the engine."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.answers.steps import grade_steps
from studyapp.drills import make_problem, registry
from studyapp.drills.base import Problem, accepted, show
from studyapp.drills.mistakes import mistakes

SEED_FILES = {
    "000_d2aab639bad9f743.txt",
    "001_9b016ee9fe251ca9.txt",
    "002_546d246df68e4ade.txt",
    "003_3eeb63ec87ed1e0c.txt",
    "004_79820f2c78e41ff3.txt",
}

# Independent definitions (PyTorch conventions: leaky slope 0.01, ELU α = 1, exact GELU).
REF: dict[str, Callable[[float], float]] = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1.0,
    "gelu": lambda z: 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0))),
    "swish": lambda z: z / (1.0 + math.exp(-z)),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "linear": lambda z: z,
}
CORE_ACTIVATIONS = {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish"}


def ref_vec(name: str, z: np.ndarray) -> np.ndarray:
    return np.array([REF[name](float(v)) for v in np.ravel(z)]).reshape(np.shape(z))


def slope(name: str, z: float, h: float = 1e-6) -> float:
    """Central difference of the reference definition (z is never at a kink in these drills)."""
    return (REF[name](z + h) - REF[name](z - h)) / (2 * h)


CASES = [(seed, difficulty) for seed in range(20) for difficulty in (1, 2, 3)]
TOPICS = [
    "activation",
    "activation_derivative",
    "neuron",
    "affine_layer",
    "forward_pass",
    "perceptron_update",
]


def close(got: object, expected: object, rel: float = 1e-9, abs_: float = 1e-12) -> None:
    np.testing.assert_allclose(
        np.asarray(got, float), np.asarray(expected, float), rtol=rel, atol=abs_
    )


# ---------------------------------------------------------------- answers from the inputs


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_activation_answer(seed: int, difficulty: int) -> None:
    p = make_problem("activation", seed, difficulty)
    assert set(p.inputs) == {"z", "activation"} and p.inputs["activation"] in CORE_ACTIVATIONS
    close(p.answer, REF[p.inputs["activation"]](p.inputs["z"]))


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_activation_derivative_answer(seed: int, difficulty: int) -> None:
    p = make_problem("activation_derivative", seed, difficulty)
    assert set(p.inputs) == {"z", "activation"} and p.inputs["activation"] in CORE_ACTIVATIONS
    close(p.answer, slope(p.inputs["activation"], p.inputs["z"]), rel=1e-6, abs_=1e-8)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_neuron_answer(seed: int, difficulty: int) -> None:
    p = make_problem("neuron", seed, difficulty)
    assert set(p.inputs) == {"x", "w", "b", "activation"}
    z = sum(wi * xi for wi, xi in zip(p.inputs["w"], p.inputs["x"], strict=True)) + p.inputs["b"]
    close(p.answer, REF[p.inputs["activation"]](z))


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_affine_layer_answer(seed: int, difficulty: int) -> None:
    p = make_problem("affine_layer", seed, difficulty)
    assert set(p.inputs) == {"x", "W", "b"}
    W, x, b = p.inputs["W"], p.inputs["x"], p.inputs["b"]
    expected = [sum(W[i][j] * x[j] for j in range(len(x))) + b[i] for i in range(len(b))]
    assert isinstance(p.answer, list) and len(p.answer) == len(W)
    close(p.answer, expected)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_forward_pass_answer(seed: int, difficulty: int) -> None:
    p = make_problem("forward_pass", seed, difficulty)
    assert set(p.inputs) == {"x", "W1", "b1", "W2", "b2", "activation"}
    x = np.array(p.inputs["x"])
    W1, b1 = np.array(p.inputs["W1"]), np.array(p.inputs["b1"])
    W2, b2 = np.array(p.inputs["W2"]), np.array(p.inputs["b2"])
    assert W1.shape == (len(b1), len(x)) and W2.shape == (len(b2), len(b1))  # out × in
    z1 = W1 @ x + b1
    expected = W2 @ ref_vec(p.inputs["activation"], z1) + b2
    assert isinstance(p.answer, list) and len(p.answer) == len(b2)
    close(p.answer, expected)
    assert np.all(np.abs(z1) >= 0.05)  # no hidden unit sits on a kink


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_perceptron_update_answer(seed: int, difficulty: int) -> None:
    p = make_problem("perceptron_update", seed, difficulty)
    assert set(p.inputs) == {"x", "w", "b", "y", "lr"}
    x, w = np.array(p.inputs["x"]), np.array(p.inputs["w"])
    b, y, lr = p.inputs["b"], p.inputs["y"], p.inputs["lr"]
    s = float(w @ x + b)
    y_hat = 1.0 if s > 0 else 0.0
    assert y_hat != y  # the drill is about a mistake: otherwise nothing would move
    expected = [*(w + lr * (y - y_hat) * x), b + lr * (y - y_hat)]
    close(p.answer, expected)


# ---------------------------------------------------------------- properties over many seeds


def assert_well_formed(p: Problem) -> None:
    answer = np.asarray(p.answer, float)
    assert np.all(np.isfinite(answer))
    assert p.steps and all(isinstance(s, str) and s for s in p.steps)
    assert p.prompt and p.hint == p.steps[0]
    json.dumps(p.to_json())
    again = make_problem(p.topic, p.seed, p.difficulty)
    assert again.to_json() == p.to_json() and again.slips == p.slips
    tol = p.tolerance
    for slip in p.slips:
        value = np.asarray(slip.value, float)
        assert slip.feedback
        if value.shape == answer.shape:  # a slip must be distinguishable from the answer
            assert np.any(np.abs(value - answer) > tol.abs + tol.rel * np.abs(answer))


@pytest.mark.parametrize("topic_id", TOPICS)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from([1, 2, 3]))
def test_problems_are_well_formed_and_reproducible(
    topic_id: str, seed: int, difficulty: int
) -> None:
    p = make_problem(topic_id, seed, difficulty)
    assert_well_formed(p)
    if topic_id in ("activation", "activation_derivative"):
        assert p.inputs["z"] != 0 and abs(p.inputs["z"]) <= 3  # no kink, no saturation
    if topic_id == "neuron":
        z = float(np.dot(p.inputs["w"], p.inputs["x"]) + p.inputs["b"])
        assert 0.04 < abs(z) <= 4.0
    if topic_id in ("affine_layer", "forward_pass", "perceptron_update"):
        assert np.any(np.asarray(p.answer) != 0)


def test_topics_are_registered_with_seed_sources() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topics[topic_id].source in SEED_FILES


def test_prompts_state_the_conventions() -> None:
    needs = {"leaky_relu": "0.01", "elu": "α = 1", "gelu": "not the tanh approximation"}
    for topic_id in ("activation", "activation_derivative", "neuron", "forward_pass"):
        for seed in range(12):
            problem = make_problem(topic_id, seed, 2)
            wanted = needs.get(problem.inputs["activation"])
            assert wanted is None or wanted in problem.prompt, problem.prompt
    assert "out × in" in make_problem("forward_pass", 3, 1).prompt
    assert "step(s) = 1 if s > 0" in make_problem("perceptron_update", 3, 1).prompt


def test_every_core_activation_is_drawn() -> None:
    seen = {make_problem("activation", seed, 1).inputs["activation"] for seed in range(80)}
    assert seen == CORE_ACTIVATIONS


def test_known_slips_are_offered() -> None:
    # forgetting the hidden activation in a forward pass is caught (unless it changes nothing)
    feedback = [
        s.feedback for seed in range(10) for s in make_problem("forward_pass", seed, 2).slips
    ]
    assert any("applies" in f for f in feedback)
    # perceptron: moving the wrong way and forgetting the bias
    slips = make_problem("perceptron_update", 0, 1).slips
    assert len(slips) == 2


# ---------------------------------------------------------------- checkpoints and slip ids


def typed(value: object) -> str:
    return show(value, 12)


def test_checkpoint_names() -> None:
    for level in (1, 2, 3):
        assert [p.name for p in make_problem("neuron", 4, level).checkpoints] == ["z", "answer"]
        assert [p.name for p in make_problem("forward_pass", 4, level).checkpoints] == [
            "z1",
            "h",
            "answer",
        ]


def test_neuron_worked_case_and_forgotten_bias() -> None:
    p = make_problem("neuron", 11, 2)
    x, w, b = p.inputs["x"], p.inputs["w"], p.inputs["b"]
    wx = sum(wi * xi for wi, xi in zip(w, x, strict=True))
    z_point, answer = p.checkpoints
    close(z_point.value, wx + b)
    close(answer.recompute({"z": 0.5}), REF[p.inputs["activation"]](0.5))
    verdict = grade_steps(p, {"z": typed(wx)})
    assert verdict.first_wrong is verdict.steps[0]
    assert verdict.steps[0].slip == "affine.forgot_bias"


def test_neuron_answer_names_the_activation_slip() -> None:
    problems = [make_problem("neuron", seed, 1) for seed in range(60)]
    p = next(q for q in problems if q.inputs["activation"] == "sigmoid")
    z = p.checkpoints[0].value
    verdict = grade_steps(p, {"z": typed(z), "answer": typed(REF["sigmoid"](-z))})
    assert verdict.steps[0].status == "right"
    assert verdict.steps[1].slip == "sigmoid.exponent_sign"
    verdict = grade_steps(p, {"z": typed(z), "answer": typed(z)})
    assert verdict.steps[1].slip == "neuron.no_activation"


def test_forward_pass_worked_case_and_slips() -> None:
    problems = [make_problem("forward_pass", seed, 2) for seed in range(60)]
    p = next(q for q in problems if q.inputs["activation"] == "sigmoid")
    x = np.array(p.inputs["x"])
    W1, b1 = np.array(p.inputs["W1"]), np.array(p.inputs["b1"])
    z1 = W1 @ x + b1
    z1_point, h_point, _ = p.checkpoints
    close(z1_point.value, z1)
    close(h_point.value, ref_vec("sigmoid", z1))
    # h left unactivated, then y computed from it: h is the one wrong step, y is carried
    W2, b2 = np.array(p.inputs["W2"]), np.array(p.inputs["b2"])
    verdict = grade_steps(p, {"z1": typed(z1), "h": typed(z1), "answer": typed(W2 @ z1 + b2)})
    assert [s.status for s in verdict.steps] == ["right", "wrong", "carried"]
    assert verdict.steps[1].slip == "forward_pass.no_hidden_activation"
    verdict = grade_steps(p, {"z1": typed(z1), "h": typed(ref_vec("sigmoid", -z1))})
    assert verdict.steps[1].slip == "sigmoid.exponent_sign"
    verdict = grade_steps(p, {"z1": typed(W1 @ x)})
    assert verdict.steps[0].slip == "affine.forgot_bias"


def test_every_slip_of_the_family_has_a_registered_id() -> None:
    known = mistakes()
    seen: set[str] = set()
    for topic_id in TOPICS:
        for level in (1, 2, 3):
            for seed in range(30):
                p = make_problem(topic_id, seed, level)
                for slip in [*p.slips, *(s for point in p.checkpoints for s in point.slips)]:
                    assert slip.id in known, (topic_id, seed, level, slip.feedback)
                    seen.add(slip.id)
    assert {"affine.forgot_bias", "sigmoid.exponent_sign", "neuron.no_activation"} <= seen


def test_every_mistake_of_the_family_fires_and_slips_stay_apart() -> None:
    """Over 200 seeds × 3 levels: each id this module registers is offered somewhere, and at
    every step neither the step's value nor an earlier slip would claim a slip typed exactly."""
    from studyapp.drills import neurons

    registered = {v for v in vars(neurons).values() if isinstance(v, str) and v in mistakes()}
    fired: set[str] = set()
    for topic_id in TOPICS:
        for level in (1, 2, 3):
            for seed in range(200):
                p = make_problem(topic_id, seed, level)
                for point in p.checkpoints:
                    tolerance = point.tolerance or p.tolerance
                    values = [point.value, *(s.value for s in point.slips)]
                    for i, earlier in enumerate(values):
                        for later in values[i + 1 :]:  # as the checker matches: in order
                            assert not accepted(later, earlier, tolerance), (topic_id, seed, level)
                    fired.update(s.id for s in point.slips)
    assert registered - fired == set()
