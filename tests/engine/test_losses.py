"""Losses against finite differences, SymPy closed forms and numbers worked by hand."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from engine import gradcheck, losses

Array = np.ndarray
GRAD_TOL = 1e-7


def naive_softmax(z: Array) -> Array:
    """Softmax straight from its definition (fine for the small logits used here)."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


def naive_sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def assert_gradient(f: Callable[[Array], float], grad: Callable[[Array], Array], x: Array) -> None:
    error = gradcheck.check_gradient(f, grad, x)
    assert error < GRAD_TOL, f"relative error {error:.2e}"


def away_from(rng: np.random.Generator, base: Array, kinks: list[float], gap: float) -> Array:
    """A prediction whose residuals ŷ − y stay at least `gap` away from every kink."""
    while True:
        candidate = base + rng.normal(scale=1.5, size=base.shape)
        residual = candidate - base
        if all(np.all(np.abs(np.abs(residual) - k) > gap) for k in kinks):
            return candidate


# ------------------------------------------------------------------ gradients vs finite differences


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_regression_gradients_pass_gradcheck(seed: int, reduction: losses.Reduction) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(3, 4))
    y_hat = away_from(rng, y, kinks=[0.0, 1.0, 0.7], gap=1e-3)
    assert_gradient(
        lambda v: losses.mse(y, v, reduction), lambda v: losses.mse_gradient(y, v, reduction), y_hat
    )
    assert_gradient(
        lambda v: losses.mae(y, v, reduction), lambda v: losses.mae_gradient(y, v, reduction), y_hat
    )
    for delta in (1.0, 0.7):
        assert_gradient(
            lambda v, d=delta: losses.huber(y, v, d, reduction),
            lambda v, d=delta: losses.huber_gradient(y, v, d, reduction),
            y_hat,
        )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_gradients_pass_gradcheck(seed: int, reduction: losses.Reduction) -> None:
    rng = np.random.default_rng(100 + seed)
    y = rng.integers(0, 2, size=6).astype(float)
    y[0] = 0.3  # a soft label too
    p = rng.uniform(0.05, 0.95, size=6)
    logits = rng.normal(scale=3.0, size=6)
    assert_gradient(
        lambda v: losses.binary_cross_entropy(y, v, reduction),
        lambda v: losses.binary_cross_entropy_gradient(y, v, reduction),
        p,
    )
    assert_gradient(
        lambda v: losses.bce_with_logits(y, v, reduction),
        lambda v: losses.bce_with_logits_gradient(y, v, reduction),
        logits,
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_gradients_pass_gradcheck(seed: int, reduction: losses.Reduction) -> None:
    rng = np.random.default_rng(200 + seed)
    batch, k = 4, 5
    z = rng.normal(scale=2.0, size=(batch, k))
    target = rng.integers(0, k, size=batch)
    soft = rng.dirichlet(np.ones(k), size=batch)
    p = rng.dirichlet(np.ones(k) * 3, size=batch)
    assert_gradient(
        lambda v: losses.categorical_cross_entropy(soft, v, reduction),
        lambda v: losses.categorical_cross_entropy_gradient(soft, v, reduction),
        p,
    )
    for eps in (0.0, 0.1, 0.3):
        assert_gradient(
            lambda v, e=eps: losses.softmax_cross_entropy(v, target, e, reduction),
            lambda v, e=eps: losses.softmax_cross_entropy_gradient(v, target, e, reduction),
            z,
        )
        single = z[0]
        assert_gradient(
            lambda v, e=eps: losses.softmax_cross_entropy(v, int(target[0]), e, reduction),
            lambda v, e=eps: losses.softmax_cross_entropy_gradient(v, int(target[0]), e, reduction),
            single,
        )


# ---------------------------------------------------------------------------- SymPy closed forms

Y = sp.symbols("y0:3", real=True)
P = sp.symbols("p0:3", real=True)
POINTS = [
    ([1.0, -0.5, 2.0], [0.2, 0.4, 3.5]),
    ([0.0, 3.0, -1.0], [0.9, 1.2, -1.3]),
]


def sympy_value_and_gradient(
    expression: sp.Expr, values: dict[sp.Symbol, float]
) -> tuple[float, Array]:
    value = float(expression.subs(values).evalf())
    gradient = np.array([float(sp.diff(expression, s).subs(values).evalf()) for s in P])
    return value, gradient


@pytest.mark.parametrize(("y", "y_hat"), POINTS)
def test_regression_losses_match_sympy(y: list[float], y_hat: list[float]) -> None:
    values = {**dict(zip(Y, y, strict=True)), **dict(zip(P, y_hat, strict=True))}
    delta = 1.0
    forms = {
        "mse": (
            sum((yi - pi) ** 2 for yi, pi in zip(Y, P, strict=True)) / 3,
            losses.mse,
            losses.mse_gradient,
        ),
        "mae": (
            sum(sp.Abs(yi - pi) for yi, pi in zip(Y, P, strict=True)) / 3,
            losses.mae,
            losses.mae_gradient,
        ),
        "huber": (
            sum(
                sp.Piecewise(
                    (sp.Rational(1, 2) * (pi - yi) ** 2, sp.Abs(pi - yi) <= delta),
                    (delta * (sp.Abs(pi - yi) - sp.Rational(1, 2) * delta), True),
                )
                for yi, pi in zip(Y, P, strict=True)
            )
            / 3,
            losses.huber,
            losses.huber_gradient,
        ),
    }
    for name, (expression, loss, gradient) in forms.items():
        value, grad = sympy_value_and_gradient(expression, values)
        assert loss(y, y_hat) == pytest.approx(value, rel=1e-12), name
        np.testing.assert_allclose(gradient(y, y_hat), grad, rtol=1e-12, err_msg=name)


def test_binary_losses_match_sympy() -> None:
    y = [1.0, 0.0, 1.0]
    p = [0.8, 0.35, 0.1]
    x = [1.3, -0.4, 2.2]
    bce = -sum(yi * sp.log(pi) + (1 - yi) * sp.log(1 - pi) for yi, pi in zip(Y, P, strict=True)) / 3
    value, grad = sympy_value_and_gradient(
        bce, {**dict(zip(Y, y, strict=True)), **dict(zip(P, p, strict=True))}
    )
    assert losses.binary_cross_entropy(y, p) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.binary_cross_entropy_gradient(y, p), grad, rtol=1e-12)

    sig = [1 / (1 + sp.exp(-xi)) for xi in P]
    bce_logits = (
        -sum(yi * sp.log(s) + (1 - yi) * sp.log(1 - s) for yi, s in zip(Y, sig, strict=True)) / 3
    )
    value, grad = sympy_value_and_gradient(
        bce_logits, {**dict(zip(Y, y, strict=True)), **dict(zip(P, x, strict=True))}
    )
    assert losses.bce_with_logits(y, x) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.bce_with_logits_gradient(y, x), grad, rtol=1e-12)


def test_smoothed_softmax_cross_entropy_matches_sympy() -> None:
    z = [0.5, -1.0, 2.0]
    target, eps, k = 1, sp.Rational(1, 5), 3
    total = sum(sp.exp(s) for s in P)
    q = [(1 - eps) * (1 if c == target else 0) + eps / k for c in range(k)]
    expression = -sum(qc * sp.log(sp.exp(s) / total) for qc, s in zip(q, P, strict=True))
    value, grad = sympy_value_and_gradient(expression, dict(zip(P, z, strict=True)))
    assert losses.softmax_cross_entropy(z, target, 0.2) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(
        losses.softmax_cross_entropy_gradient(z, target, 0.2), grad, rtol=1e-11
    )


# ----------------------------------------------------------------------------- numbers by hand


def test_hand_worked_numbers() -> None:
    # softmax([2, 1, 0.1]) = [0.6590, 0.2424, 0.0986]; −ln 0.6590 = 0.4170
    assert losses.softmax_cross_entropy([2.0, 1.0, 0.1], 0) == pytest.approx(0.4170, abs=5e-5)
    # residuals 0.5, 0, −1: squares 0.25, 0, 1
    y, y_hat = [1.0, 2.0, 3.0], [1.5, 2.0, 2.0]
    assert losses.mse(y, y_hat) == pytest.approx(1.25 / 3)
    assert losses.mse(y, y_hat, reduction="sum") == pytest.approx(1.25)
    assert losses.mae(y, y_hat) == pytest.approx(0.5)
    # δ = 1: ½·0.25 + 0 + ½·1; δ = 0.5: ½·0.25 (on the boundary) + 0 + 0.5·(1 − 0.25)
    assert losses.huber(y, y_hat) == pytest.approx(0.625 / 3)
    assert losses.huber(y, y_hat, delta=0.5) == pytest.approx(0.5 / 3)
    np.testing.assert_allclose(losses.huber_gradient(y, y_hat, 0.5), [0.5 / 3, 0.0, -0.5 / 3])
    np.testing.assert_allclose(losses.mse_gradient(y, y_hat), [1 / 3, 0.0, -2 / 3])
    # MAE's subgradient at a zero residual is 0, like PyTorch's sign(0)
    np.testing.assert_allclose(losses.mae_gradient(y, y_hat), [1 / 3, 0.0, -1 / 3])
    # −(ln 0.8 + ln 0.7)/2 = (0.22314 + 0.35667)/2
    assert losses.binary_cross_entropy([1.0, 0.0], [0.8, 0.3]) == pytest.approx(0.289909, abs=1e-6)
    # in base 10 the same loss is 0.289909 / ln 10
    assert losses.change_log_base(0.289909, 10) == pytest.approx(0.125905, abs=1e-6)


def test_binary_cross_entropy_clamps_like_pytorch() -> None:
    assert losses.binary_cross_entropy([1.0], [0.0]) == 100.0
    assert losses.binary_cross_entropy([0.0], [1.0]) == 100.0
    assert losses.binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0
    grad = losses.binary_cross_entropy_gradient([1.0, 0.0], [0.0, 1.0])
    np.testing.assert_allclose(grad, [-0.5e12, 0.5e12])
    with pytest.raises(ValueError):
        losses.binary_cross_entropy([1.0], [1.2])


@pytest.mark.parametrize("seed", range(3))
def test_bce_on_logits_equals_bce_of_sigmoid(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    y = rng.integers(0, 2, size=8).astype(float)
    x = rng.uniform(-6, 6, size=8)
    p = naive_sigmoid(x)
    assert losses.bce_with_logits(y, x) == pytest.approx(
        losses.binary_cross_entropy(y, p), rel=1e-10
    )
    np.testing.assert_allclose(
        losses.bce_with_logits_elementwise(y, x), losses.bce_elementwise(y, p), rtol=1e-10
    )
    np.testing.assert_allclose(losses.bce_with_logits_gradient(y, x), (p - y) / 8, rtol=1e-10)


def test_bce_on_logits_is_finite_for_huge_logits() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    x = np.array([1000.0, -1000.0, -1000.0, 1000.0])
    # right and confident: 0; wrong and confident: |x| nats
    np.testing.assert_allclose(losses.bce_with_logits_elementwise(y, x), [0.0, 0.0, 1000.0, 1000.0])
    np.testing.assert_allclose(losses.bce_with_logits_gradient(y, x), [0.0, 0.0, -0.25, 0.25])


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(size=(3, 4))
    target = np.array([2, 0, 3])
    one_hot = np.zeros((3, 4))
    for row, c in enumerate(target):
        one_hot[row, c] = 1.0
    expected = naive_softmax(z) - one_hot
    np.testing.assert_allclose(
        losses.softmax_cross_entropy_gradient(z, target, reduction="sum"), expected
    )
    np.testing.assert_allclose(losses.softmax_cross_entropy_gradient(z, target), expected / 3)
    np.testing.assert_allclose(losses.softmax_cross_entropy_gradient(z[1], 0), expected[1])
    np.testing.assert_allclose(losses.one_hot(target, 4), one_hot)


def test_label_smoothing_matches_the_formula() -> None:
    z = np.array([[1.2, -0.3, 0.4, 2.0], [0.0, 0.5, -1.0, 0.1]])
    target = np.array([3, 1])
    eps, k = 0.1, 4
    q = np.full((2, k), eps / k)
    q[0, 3] += 1 - eps
    q[1, 1] += 1 - eps
    per_example = -np.sum(q * np.log(naive_softmax(z)), axis=1)
    np.testing.assert_allclose(losses.smoothed_targets(target, k, eps), q)
    assert losses.softmax_cross_entropy(z, target, eps) == pytest.approx(
        per_example.mean(), rel=1e-12
    )
    assert losses.softmax_cross_entropy(z[0], 3, eps) == pytest.approx(per_example[0], rel=1e-12)
    np.testing.assert_allclose(
        losses.softmax_cross_entropy_gradient(z, target, eps), (naive_softmax(z) - q) / 2
    )


def test_batch_is_the_mean_of_single_examples_and_huge_logits_are_fine() -> None:
    z = np.array([[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0]])
    batch = losses.softmax_cross_entropy(z, [0, 1])
    singles = [losses.softmax_cross_entropy(z[0], 0), losses.softmax_cross_entropy(z[1], 1)]
    assert singles[1] == pytest.approx(1000.0)
    assert batch == pytest.approx(np.mean(singles))
    assert losses.softmax_cross_entropy(z, [0, 1], reduction="sum") == pytest.approx(sum(singles))


def test_categorical_cross_entropy_on_probabilities() -> None:
    z = np.array([2.0, 1.0, 0.1])
    p = naive_softmax(z)
    assert losses.categorical_cross_entropy([1.0, 0.0, 0.0], p) == pytest.approx(-np.log(p[0]))
    # soft targets, batch mean, 0·ln 0 counted as 0
    y = np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    probs = np.array([[0.25, 0.75, 0.0], [0.2, 0.8, 0.0]])
    expected = (-(0.5 * np.log(0.25) + 0.5 * np.log(0.75)) - np.log(0.8)) / 2
    assert losses.categorical_cross_entropy(y, probs) == pytest.approx(expected)
    np.testing.assert_allclose(
        losses.categorical_cross_entropy_gradient(y, probs),
        [[-0.5 / 0.25 / 2, -0.5 / 0.75 / 2, 0.0], [0.0, -1 / 0.8 / 2, 0.0]],
    )


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        losses.mse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        losses.softmax_cross_entropy([1.0, 2.0], 2)
    with pytest.raises(TypeError):
        losses.softmax_cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(ValueError):
        losses.softmax_cross_entropy([[1.0, 2.0]], [0, 1])
    with pytest.raises(ValueError):
        losses.huber([1.0], [2.0], delta=0.0)
    with pytest.raises(ValueError):
        losses.smoothed_targets(0, 3, 1.5)
    with pytest.raises(ValueError):
        losses.mse([1.0], [2.0], reduction="max")  # type: ignore[arg-type]
