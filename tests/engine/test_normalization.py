"""BatchNorm, LayerNorm, RMSNorm: outputs against formulas written out, running statistics
by hand, and every backward pass against central differences."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine import gradcheck
from engine import normalization as norm

EPS = 1e-5


def column_by_column(X: np.ndarray, eps: float) -> np.ndarray:
    """BatchNorm written out with plain Python sums: biased variance down each column."""
    n, f = X.shape
    out = np.empty_like(X)
    for j in range(f):
        column = [float(X[i, j]) for i in range(n)]
        mean = sum(column) / n
        var = sum((v - mean) ** 2 for v in column) / n
        for i in range(n):
            out[i, j] = (column[i] - mean) / math.sqrt(var + eps)
    return out


# ---------------------------------------------------------------- BatchNorm forward


def test_batch_norm_by_hand() -> None:
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    # column 0: mean 2, biased var 1; column 1: mean 4, biased var 4
    expected = np.array(
        [
            [-1 / math.sqrt(1 + EPS), -2 / math.sqrt(4 + EPS)],
            [1 / math.sqrt(1 + EPS), 2 / math.sqrt(4 + EPS)],
        ]
    )
    np.testing.assert_allclose(norm.batch_normalize(X), expected, rtol=1e-14)
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    np.testing.assert_allclose(
        norm.batch_norm_train(X, gamma, beta), expected * gamma + beta, rtol=1e-14
    )


def test_batch_norm_matches_the_written_out_formula() -> None:
    X = np.random.default_rng(0).normal(2.0, 3.0, size=(7, 4))
    np.testing.assert_allclose(norm.batch_normalize(X, 1e-3), column_by_column(X, 1e-3), rtol=1e-12)


def test_running_stats_after_one_step_by_hand() -> None:
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    # unbiased variances: column 0 → ((1−2)² + (3−2)²)/1 = 2, column 1 → (4 + 4)/1 = 8
    mean, var = norm.update_running_stats(np.zeros(2), np.ones(2), X)
    np.testing.assert_allclose(mean, [0.2, 0.4], rtol=1e-14)  # 0.9·0 + 0.1·(2, 4)
    np.testing.assert_allclose(var, [1.1, 1.7], rtol=1e-14)  # 0.9·1 + 0.1·(2, 8)
    np.testing.assert_allclose(norm.unbiased_variance(X), [2.0, 8.0])
    with pytest.raises(ValueError):
        norm.unbiased_variance(np.ones((1, 3)))


def test_batch_norm_layer_trains_then_evaluates_with_running_stats() -> None:
    layer = norm.BatchNorm1d(2)
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    out = layer.forward(X)
    np.testing.assert_allclose(out, column_by_column(X, EPS), rtol=1e-12)
    # column 0: mean 3, unbiased var 4; column 1: mean 3, unbiased var 7
    np.testing.assert_allclose(layer.running_mean, [0.3, 0.3], rtol=1e-14)
    np.testing.assert_allclose(layer.running_var, [1.3, 1.6], rtol=1e-14)
    layer.training = False
    sample = np.array([[0.8, 1.9]])
    expected = (sample - np.array([0.3, 0.3])) / np.sqrt(np.array([1.3, 1.6]) + EPS)
    np.testing.assert_allclose(layer.forward(sample), expected, rtol=1e-14)
    # eval does not touch the running statistics
    np.testing.assert_allclose(layer.running_var, [1.3, 1.6], rtol=1e-14)


def test_batch_norm_eval_by_hand() -> None:
    y = norm.batch_norm_eval([2.0, -1.0], [1.0, 0.0], [4.0, 0.25], [3.0, 1.0], [0.5, 0.0], eps=0.0)
    np.testing.assert_allclose(y, [3.0 * 0.5 + 0.5, -2.0], rtol=1e-15)


def test_batch_norm_refuses_other_shapes() -> None:
    with pytest.raises(ValueError):
        norm.batch_normalize(np.ones((2, 3, 4)))


# ---------------------------------------------------------------- LayerNorm and RMSNorm forward


def test_layer_norm_by_hand() -> None:
    # mean 2, biased var 2/3
    np.testing.assert_allclose(
        norm.layer_norm([1.0, 2.0, 3.0]),
        np.array([-1.0, 0.0, 1.0]) / math.sqrt(2 / 3 + EPS),
        rtol=1e-14,
    )
    # eps sits inside the root: var 1e-6 → ±0.001 / √(1.1e-5)
    np.testing.assert_allclose(
        norm.layer_norm([0.0, 0.002]),
        [-0.001 / math.sqrt(1.1e-5), 0.001 / math.sqrt(1.1e-5)],
        rtol=1e-12,
    )


def test_layer_norm_rows_match_batch_norm_of_the_transpose() -> None:
    X = np.random.default_rng(1).normal(size=(4, 6))
    rows = np.array(
        [[(v - np.mean(r)) / math.sqrt(np.mean((r - np.mean(r)) ** 2) + EPS) for v in r] for r in X]
    )
    np.testing.assert_allclose(norm.layer_norm(X), rows, rtol=1e-12)
    np.testing.assert_allclose(norm.layer_norm(X), column_by_column(X.T, EPS).T, rtol=1e-12)
    gamma, beta = np.arange(1.0, 7.0), np.linspace(-1, 1, 6)
    np.testing.assert_allclose(norm.layer_norm(X, gamma, beta), rows * gamma + beta, rtol=1e-12)


def test_rms_norm_by_hand() -> None:
    # mean(x²) = (9 + 16)/2 = 12.5
    np.testing.assert_allclose(
        norm.rms_norm([3.0, 4.0]), np.array([3.0, 4.0]) / math.sqrt(12.5 + EPS), rtol=1e-14
    )
    np.testing.assert_allclose(
        norm.rms_norm([3.0, 4.0], gamma=[2.0, -1.0], eps=0.0),
        [6 / math.sqrt(12.5), -4 / math.sqrt(12.5)],
        rtol=1e-14,
    )


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (5, 3), elements=st.floats(-50, 50)))
def test_normalized_outputs_have_zero_mean_and_shrunk_unit_variance(X: np.ndarray) -> None:
    out = norm.batch_normalize(X)
    var = np.var(X, axis=0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.var(out, axis=0), var / (var + EPS), rtol=1e-9, atol=1e-12)
    rows = norm.layer_norm(X)
    np.testing.assert_allclose(rows.mean(axis=1), 0.0, atol=1e-9)
    ms = np.mean(norm.rms_norm(X) ** 2, axis=1)
    np.testing.assert_allclose(
        ms, np.mean(X**2, axis=1) / (np.mean(X**2, axis=1) + EPS), rtol=1e-9, atol=1e-12
    )


# ---------------------------------------------------------------- backward passes


def rel(a: np.ndarray, n: np.ndarray) -> float:
    return gradcheck.relative_error(a, n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_backward_passes_the_gradient_check(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(1.0, 2.0, size=(6, 3))
    gamma, beta, upstream = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(6, 3))

    def loss(x: np.ndarray, g: np.ndarray = gamma, b: np.ndarray = beta) -> float:
        return float(np.sum(norm.batch_norm_train(x, g, b) * upstream))

    dX, dgamma, dbeta = norm.batch_norm_backward(upstream, X, gamma)
    assert rel(dX, gradcheck.numerical_gradient(loss, X)) < 1e-7
    assert rel(dgamma, gradcheck.numerical_gradient(lambda g: loss(X, g), gamma)) < 1e-7
    assert rel(dbeta, gradcheck.numerical_gradient(lambda b: loss(X, gamma, b), beta)) < 1e-7
    layer = norm.BatchNorm1d(3)
    layer.gamma = gamma
    np.testing.assert_allclose(layer.backward(upstream, X)[0], dX)


@pytest.mark.parametrize("shape", [(5,), (4, 6), (2, 3, 4)])
def test_layer_norm_backward_passes_the_gradient_check(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape)
    d = shape[-1]
    gamma, beta, upstream = rng.normal(size=d), rng.normal(size=d), rng.normal(size=shape)

    def loss(v: np.ndarray, g: np.ndarray = gamma, b: np.ndarray = beta) -> float:
        return float(np.sum(norm.layer_norm(v, g, b) * upstream))

    dx, dgamma, dbeta = norm.layer_norm_backward(upstream, x, gamma)
    assert dx.shape == shape and dgamma.shape == (d,) and dbeta.shape == (d,)
    assert rel(dx, gradcheck.numerical_gradient(loss, x)) < 1e-7
    assert rel(dgamma, gradcheck.numerical_gradient(lambda g: loss(x, g), gamma)) < 1e-7
    assert rel(dbeta, gradcheck.numerical_gradient(lambda b: loss(x, gamma, b), beta)) < 1e-7


def test_layer_norm_backward_without_gamma() -> None:
    x, upstream = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, -2.0])
    dx, _, _ = norm.layer_norm_backward(upstream, x)
    numeric = gradcheck.numerical_gradient(lambda v: float(norm.layer_norm(v) @ upstream), x)
    assert rel(dx, numeric) < 1e-7


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 2, 3)])
def test_rms_norm_backward_passes_the_gradient_check(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(7 + len(shape))
    x = rng.normal(size=shape)
    gamma, upstream = rng.normal(size=shape[-1]), rng.normal(size=shape)

    def loss(v: np.ndarray, g: np.ndarray = gamma) -> float:
        return float(np.sum(norm.rms_norm(v, g) * upstream))

    dx, dgamma = norm.rms_norm_backward(upstream, x, gamma)
    assert rel(dx, gradcheck.numerical_gradient(loss, x)) < 1e-7
    assert rel(dgamma, gradcheck.numerical_gradient(lambda g: loss(x, g), gamma)) < 1e-7
    dx_plain, _ = norm.rms_norm_backward(upstream, x)
    numeric = gradcheck.numerical_gradient(lambda v: float(np.sum(norm.rms_norm(v) * upstream)), x)
    assert rel(dx_plain, numeric) < 1e-7


# ---------------------------------------------------------------- the pieces drills show


def test_standardize_parts_by_hand() -> None:
    parts = norm.standardize([1.0, 2.0, 6.0], eps=0.0)
    # mean 3, deviations (−2, −1, 3), biased var 14/3, unbiased 7
    np.testing.assert_allclose(parts.mean, [3.0])
    np.testing.assert_allclose(parts.centered, [-2.0, -1.0, 3.0])
    np.testing.assert_allclose(parts.var, [14 / 3], rtol=1e-15)
    np.testing.assert_allclose(parts.std, [math.sqrt(14 / 3)], rtol=1e-15)
    unbiased = norm.standardize([1.0, 2.0, 6.0], eps=0.0, ddof=1)
    np.testing.assert_allclose(unbiased.var, [7.0], rtol=1e-15)
    np.testing.assert_allclose(
        unbiased.x_hat, np.array([-2.0, -1.0, 3.0]) / math.sqrt(7), rtol=1e-15
    )
    frozen = norm.standardize_with([2.0, 0.0], [1.0, 1.0], [4.0, 0.25], eps=0.0)
    np.testing.assert_allclose(frozen.x_hat, [0.5, -2.0], rtol=1e-15)


def test_backward_terms_and_mean_square_by_hand() -> None:
    mean_g, mean_gx = norm.backward_terms([1.0, -3.0], [2.0, 0.5])
    np.testing.assert_allclose(mean_g, [-1.0])
    np.testing.assert_allclose(mean_gx, [(2.0 - 1.5) / 2])
    np.testing.assert_allclose(norm.mean_square([[3.0, 4.0], [1.0, 1.0]]), [[12.5], [1.0]])


def test_running_updates_one_at_a_time() -> None:
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(norm.update_running_mean([1.0, 1.0], X, 0.5), [1.5, 2.5])
    # biased variances 1 and 4: the slip PyTorch does not make
    np.testing.assert_allclose(
        norm.update_running_var([1.0, 1.0], X, 0.1, unbiased=False), [1.0, 1.3], rtol=1e-14
    )


def test_eval_backward_passes_the_gradient_check() -> None:
    rng = np.random.default_rng(9)
    x, upstream = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    mean, var, gamma = rng.normal(size=4), rng.uniform(0.5, 2, size=4), rng.normal(size=4)
    analytic = norm.batch_norm_eval_backward(upstream, var, gamma)
    numeric = gradcheck.numerical_gradient(
        lambda v: float(np.sum(norm.batch_norm_eval(v, mean, var, gamma) * upstream)), x
    )
    assert rel(analytic, numeric) < 1e-7
