"""Backprop drills: each answer recomputed from the inputs with formulas written out here or
with central differences of losses defined here; never with the engine function used."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.gradcheck import numerical_gradient
from studyapp.answers.steps import grade_steps
from studyapp.drills import make_problem, registry
from studyapp.drills.base import Problem, num
from tests.drills.sweep import fired_slips
from tests.drills.test_neurons import REF, SEED_FILES, assert_well_formed, close, ref_vec

CASES = [(seed, difficulty) for seed in range(20) for difficulty in (1, 2, 3)]
TOPICS = [
    "chain_rule",
    "dense_backward",
    "delta_recursion",
    "vanishing_gradient",
    "gradient_check",
    "mlp_backward_w1",
]


def sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def scalar(p: Problem) -> float:
    """The answer of a one-number topic, typed as such."""
    assert isinstance(p.answer, float)
    return p.answer


# ---------------------------------------------------------------- answers from the inputs


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_chain_rule_answer(seed: int, difficulty: int) -> None:
    p = make_problem("chain_rule", seed, difficulty)
    assert set(p.inputs) == {"x", "y", "w1", "b1", "w2", "b2"}
    x, y, w1, b1, w2, b2 = (float(p.inputs[k]) for k in ("x", "y", "w1", "b1", "w2", "b2"))

    def loss(v: float) -> float:
        return (y - sig(w2 * sig(v * x + b1) + b2)) ** 2

    h = 1e-6
    close(p.answer, (loss(w1 + h) - loss(w1 - h)) / (2 * h), rel=1e-6, abs_=1e-9)
    a1 = sig(w1 * x + b1)
    y_hat = sig(w2 * a1 + b2)
    closed_form = 2 * (y_hat - y) * y_hat * (1 - y_hat) * w2 * a1 * (1 - a1) * x
    close(p.answer, closed_form, rel=1e-12)


def test_chain_rule_steps_name_every_factor_and_slips() -> None:
    p = make_problem("chain_rule", 11, 1)
    text = "\n".join(p.steps)
    for factor in (
        "∂L/∂ŷ = 2(ŷ − y)",
        "∂ŷ/∂z2 = σ′(z2) = ŷ(1 − ŷ)",
        "∂z2/∂a1 = w2",
        "∂a1/∂z1 = σ′(z1) = a1(1 − a1)",
        "∂z1/∂w1 = x",
    ):
        assert factor in text
    assert num(scalar(p)) not in p.hint and num(scalar(p), 6) not in p.hint  # hint gives no result
    missing_two = next(s.value for s in p.slips if "factor 2" in s.feedback)
    assert missing_two == pytest.approx(scalar(p) / 2)
    sigma_not_slope = next(s.value for s in p.slips if "σ′(z)" in s.feedback)
    x, y, w1, b1, w2, b2 = (p.inputs[k] for k in ("x", "y", "w1", "b1", "w2", "b2"))
    a1 = sig(w1 * x + b1)
    y_hat = sig(w2 * a1 + b2)
    assert sigma_not_slope == pytest.approx(2 * (y_hat - y) * y_hat * w2 * a1 * x)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_dense_backward_answer(seed: int, difficulty: int) -> None:
    p = make_problem("dense_backward", seed, difficulty)
    assert set(p.inputs) == {"a_prev", "delta"}
    a, d = np.array(p.inputs["a_prev"]), np.array(p.inputs["delta"])
    # L(W) = δ·(W a) has ∂L/∂z = δ at z = W a, so its gradient in W is the answer.
    numeric = numerical_gradient(lambda W: float(d @ (W @ a)), np.zeros((len(d), len(a))))
    assert np.shape(p.answer) == (len(d), len(a))  # W's shape, out × in
    close(p.answer, numeric, rel=1e-7, abs_=1e-9)
    transposed = [s for s in p.slips if "transpose" in s.feedback]
    assert transposed and np.shape(transposed[0].value) == (len(a), len(d))


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_delta_recursion_answer(seed: int, difficulty: int) -> None:
    p = make_problem("delta_recursion", seed, difficulty)
    assert set(p.inputs) == {"W_next", "delta_next", "z", "activation"}
    W, d, z = (
        np.array(p.inputs["W_next"]),
        np.array(p.inputs["delta_next"]),
        np.array(p.inputs["z"]),
    )
    name = p.inputs["activation"]
    # L(z) = δ_next·(W_next φ(z)) has ∂L/∂z_next = δ_next, so ∇_z L is this layer's δ.
    numeric = numerical_gradient(lambda v: float(d @ (W @ ref_vec(name, v))), z, h=1e-6)
    close(p.answer, numeric, rel=1e-6, abs_=1e-8)
    assert np.all(z != 0)


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_vanishing_gradient_answer(seed: int, difficulty: int) -> None:
    p = make_problem("vanishing_gradient", seed, difficulty)
    assert set(p.inputs) == {"z"}
    expected = 1.0
    for z in p.inputs["z"]:
        expected *= sig(z) * (1 - sig(z))
    close(p.answer, expected, rel=1e-12, abs_=0)
    assert 0 < scalar(p) <= 0.25 ** len(p.inputs["z"])
    assert p.tolerance.abs < 1e-9  # tiny answers must not be accepted as 0


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_gradient_check_answer(seed: int, difficulty: int) -> None:
    p = make_problem("gradient_check", seed, difficulty)
    assert set(p.inputs) == {"function", "x", "h"}
    f, x, h = REF[p.inputs["function"]], p.inputs["x"], p.inputs["h"]
    close(p.answer, (f(x + h) - f(x - h)) / (2 * h), rel=1e-12)
    assert abs(scalar(p)) >= 0.05


@pytest.mark.parametrize(("seed", "difficulty"), CASES)
def test_mlp_backward_w1_answer(seed: int, difficulty: int) -> None:
    p = make_problem("mlp_backward_w1", seed, difficulty)
    assert set(p.inputs) == {"x", "W1", "b1", "W2", "b2", "t", "activation"}
    x, t = np.array(p.inputs["x"]), np.array(p.inputs["t"])
    W1, b1 = np.array(p.inputs["W1"]), np.array(p.inputs["b1"])
    W2, b2 = np.array(p.inputs["W2"]), np.array(p.inputs["b2"])
    name = p.inputs["activation"]

    def loss(M: np.ndarray) -> float:
        y = W2 @ ref_vec(name, M @ x + b1) + b2
        return 0.5 * float(np.sum((y - t) ** 2))

    numeric = numerical_gradient(loss, W1, h=1e-6)
    assert np.shape(p.answer) == W1.shape
    close(p.answer, numeric, rel=1e-6, abs_=1e-8)


# ---------------------------------------------------------------- properties over many seeds


@pytest.mark.parametrize("topic_id", TOPICS)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), difficulty=st.sampled_from([1, 2, 3]))
def test_problems_are_well_formed_and_reproducible(
    topic_id: str, seed: int, difficulty: int
) -> None:
    p = make_problem(topic_id, seed, difficulty)
    assert_well_formed(p)
    answer = np.asarray(p.answer, float)
    assert np.any(answer != 0)
    if topic_id == "chain_rule":
        assert abs(scalar(p)) >= 0.005  # well above the 1e-4 absolute tolerance
    if topic_id == "delta_recursion" and p.inputs["activation"] == "relu":
        assert any(v > 0 for v in p.inputs["z"])  # some unit passes the error on


def test_topics_are_registered_with_seed_sources() -> None:
    topics = registry()
    for topic_id in TOPICS:
        assert topics[topic_id].source in SEED_FILES


def test_prompts_state_the_conventions() -> None:
    assert "no ½" in make_problem("chain_rule", 1, 1).prompt
    assert "out × in" in make_problem("dense_backward", 1, 1).prompt
    assert "(f(x + h) − f(x − h)) / (2h)" in make_problem("gradient_check", 1, 1).prompt
    assert "½‖ŷ − t‖²" in make_problem("mlp_backward_w1", 1, 1).prompt


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_gradient_check_refuses_the_exact_derivative(difficulty: int) -> None:
    """Only the finite-difference estimate passes: the exact f′(x) is a named slip, never
    right (with a small h it was accepted in 81-95 % of problems)."""
    from studyapp.answers import check_answer

    for seed in range(60):
        p = make_problem("gradient_check", seed, difficulty)
        x, function = p.inputs["x"], p.inputs["function"]
        exact = REF_DERIVATIVE[function](x)
        verdict = check_answer(repr(exact), p)
        assert verdict.outcome == "wrong", (seed, function, x, p.inputs["h"])
        assert "exact derivative" in verdict.message
        assert check_answer(num(p.answer, 6), p).outcome == "correct"


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


REF_DERIVATIVE = {
    "sigmoid": lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
    "tanh": lambda z: 1 - math.tanh(z) ** 2,
    "softplus": _sigmoid,
    "swish": lambda z: _sigmoid(z) + z * _sigmoid(z) * (1 - _sigmoid(z)),
}


# ---------------------------------------------------------------- steps and slips (issue 13)


def test_dense_backward_steps_are_the_rows() -> None:
    for difficulty in (1, 2, 3):
        p = make_problem("dense_backward", 3, difficulty)
        a, d = p.inputs["a_prev"], p.inputs["delta"]
        names = [f"row{i}" for i in range(len(d))]
        assert [c.name for c in p.checkpoints] == [*names, "answer"]
        for i, point in enumerate(p.checkpoints[:-1]):
            close(point.value, [d[i] * v for v in a], rel=1e-12)
        # row 0 of the transpose a_prev δᵀ is a_prev[0]·δ
        wrong = ", ".join(f"{a[0] * v:.6f}" for v in d)
        assert grade_steps(p, {"row0": wrong}).steps[0].slip == "weight_gradient.transposed"


def test_delta_recursion_steps_by_hand() -> None:
    for difficulty in (1, 2, 3):
        p = make_problem("delta_recursion", 11, difficulty)
        assert [c.name for c in p.checkpoints] == ["back", "slope", "answer"]
        W, d, z = p.inputs["W_next"], p.inputs["delta_next"], p.inputs["z"]
        back = [sum(W[i][j] * d[i] for i in range(len(d))) for j in range(len(z))]
        name = p.inputs["activation"]
        slope = [
            {
                "sigmoid": sig(v) * (1 - sig(v)),
                "tanh": 1 - math.tanh(v) ** 2,
                "relu": float(v > 0),
                "leaky_relu": 1.0 if v > 0 else 0.01,
            }[name]
            for v in z
        ]
        close(p.checkpoints[0].value, back, rel=1e-12)
        close(p.checkpoints[1].value, slope, rel=1e-12)
        ungated = ", ".join(f"{v:.6f}" for v in back)
        verdict = grade_steps(p, {"back": ungated, "slope": ", ".join(map(str, slope))})
        assert verdict.steps[1].status == "right"
        verdict = grade_steps(p, {"answer": ungated})
        assert verdict.steps[2].slip == "backprop.missing_gate"


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_mlp_backward_w1_steps_against_finite_differences(difficulty: int) -> None:
    p = make_problem("mlp_backward_w1", 5, difficulty)
    assert [c.name for c in p.checkpoints] == ["z1", "h", "y_hat", "delta1", "answer"]
    x, t = np.array(p.inputs["x"]), np.array(p.inputs["t"])
    W1, b1 = np.array(p.inputs["W1"]), np.array(p.inputs["b1"])
    W2, b2 = np.array(p.inputs["W2"]), np.array(p.inputs["b2"])
    name = p.inputs["activation"]
    z1 = W1 @ x + b1
    close(p.checkpoints[0].value, z1, rel=1e-12)

    def loss(z: np.ndarray) -> float:
        y = W2 @ ref_vec(name, z) + b2
        return 0.5 * float(np.sum((y - t) ** 2))

    # δ1 = ∂L/∂z1, by central differences of the loss written out here
    close(p.checkpoints[3].value, numerical_gradient(loss, z1, h=1e-6), rel=1e-6, abs_=1e-8)
    if not np.allclose(b1, 0, atol=0.02):
        no_bias = ", ".join(f"{v:.6f}" for v in W1 @ x)
        assert grade_steps(p, {"z1": no_bias}).steps[0].slip == "affine.forgot_bias"


SLIPS = {
    "chain_rule": {
        "z1": {"affine.forgot_bias"},
        "a1": {"sigmoid.exponent_sign"},
        "z2": {"affine.forgot_bias", "chain_rule.pre_activation_forwarded"},
        "y_hat": {"sigmoid.exponent_sign"},
        "answer": {
            "squared_loss.missing_factor_2",
            "sigmoid.value_for_slope",
            "squared_loss.sign_flipped",
        },
    },
    "dense_backward": {
        **{f"row{i}": {"weight_gradient.transposed"} for i in range(3)},
        "answer": {"weight_gradient.transposed"},
    },
    "delta_recursion": {
        "back": {"backprop.forgot_transpose"},
        "slope": {"activation.value_for_slope"},
        "answer": {"backprop.missing_gate", "activation.value_for_slope"},
    },
    "mlp_backward_w1": {
        "z1": {"affine.forgot_bias"},
        "h": {"sigmoid.exponent_sign"},
        "y_hat": {"affine.forgot_bias", "chain_rule.pre_activation_forwarded"},
        "delta1": {"backprop.missing_gate", "activation.value_for_slope"},
        "answer": {"weight_gradient.transposed", "backprop.missing_gate"},
    },
    "vanishing_gradient": {"answer": {"sigmoid.value_for_slope"}},
    "gradient_check": {
        "answer": {"gradient_check.divided_by_h", "gradient_check.exact_derivative"}
    },
}


@pytest.mark.parametrize("topic", TOPICS)
def test_every_slip_fires_and_no_two_are_confused(topic: str) -> None:
    assert fired_slips(topic) == SLIPS[topic]
