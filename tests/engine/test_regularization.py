"""Clipping and penalties: hand numbers, SymPy gradients of the penalties, finite differences."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine import gradcheck
from engine import regularization as reg


def test_clip_norm_three_four_five_by_hand() -> None:
    clipped, total = reg.clip_grad_norm([np.array([3.0, 4.0])], max_norm=1.0)
    assert total == 5.0
    # coef = 1 / (5 + 1e-6)
    np.testing.assert_allclose(clipped[0], [3 / 5.000001, 4 / 5.000001], rtol=1e-15)
    np.testing.assert_allclose(clipped[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(reg.clip_vector_norm([3.0, 4.0], 1.0), clipped[0])


def test_clip_norm_is_global_over_several_arrays() -> None:
    grads = [np.array([[1.0, 2.0], [2.0, 0.0]]), np.array([4.0])]  # 1 + 4 + 4 + 16 = 25
    assert reg.global_norm(grads) == 5.0
    clipped, total = reg.clip_grad_norm(grads, max_norm=2.5)
    coef = 2.5 / (5.0 + 1e-6)
    np.testing.assert_allclose(clipped[0], grads[0] * coef, rtol=1e-15)
    np.testing.assert_allclose(clipped[1], grads[1] * coef, rtol=1e-15)
    assert total == 5.0
    assert reg.global_norm(clipped) == pytest.approx(2.5, rel=1e-6)


def test_no_change_under_the_limit_and_for_zero_gradients() -> None:
    grads = [np.array([0.3, -0.4]), np.array([[0.1]])]
    clipped, total = reg.clip_grad_norm(grads, max_norm=1.0)
    for before, after in zip(grads, clipped, strict=True):
        np.testing.assert_array_equal(before, after)
    assert total == pytest.approx(math.sqrt(0.26), rel=1e-15)
    zero, total = reg.clip_grad_norm([np.zeros(3)], max_norm=1.0)
    np.testing.assert_array_equal(zero[0], np.zeros(3))
    assert total == 0.0
    # exactly at the limit the 1e-6 makes coef a hair below 1: clipped by that hair
    at_limit, _ = reg.clip_grad_norm([np.array([3.0, 4.0])], max_norm=5.0)
    np.testing.assert_allclose(at_limit[0], [3.0 * 5 / 5.000001, 4.0 * 5 / 5.000001], rtol=1e-15)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 6), elements=st.floats(-100, 100)),
    st.floats(0.01, 50),
)
def test_clipped_norm_never_exceeds_max_and_direction_is_kept(
    g: np.ndarray, max_norm: float
) -> None:
    clipped = reg.clip_vector_norm(g, max_norm)
    norm = float(np.linalg.norm(g))
    assert np.linalg.norm(clipped) <= max_norm * (1 + 1e-12)
    if norm + 1e-6 <= max_norm:
        np.testing.assert_array_equal(clipped, g)
    else:
        np.testing.assert_allclose(clipped, g * max_norm / (norm + 1e-6), rtol=1e-12)


def test_clip_by_value_by_hand() -> None:
    out = reg.clip_grad_value([np.array([-3.0, 0.5, 2.0]), np.array([[1.5, -0.2]])], 1.0)
    np.testing.assert_array_equal(out[0], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(out[1], [[1.0, -0.2]])


W = np.array([0.5, -2.0, 0.0, 1.5])
G = np.array([0.1, 0.3, -0.2, 0.0])


def test_l2_penalty_and_gradient_by_hand_and_by_sympy() -> None:
    assert reg.l2_penalty(W, 0.1) == pytest.approx(0.05 * (0.25 + 4 + 0 + 2.25), rel=1e-15)
    symbols = sp.symbols("w0:4")
    lam = sp.Rational(1, 10)
    penalty = lam / 2 * sum(s**2 for s in symbols)
    at = dict(zip(symbols, W, strict=True))
    expected = np.array([float(sp.diff(penalty, s).subs(at)) for s in symbols])
    np.testing.assert_allclose(reg.l2_penalty_grad(W, 0.1), expected, rtol=1e-15)
    numeric = gradcheck.numerical_gradient(lambda w: reg.l2_penalty(w, 0.1), W)
    assert gradcheck.relative_error(reg.l2_penalty_grad(W, 0.1), numeric) < 1e-7


def test_pytorch_weight_decay_form_is_grad_plus_lambda_w() -> None:
    np.testing.assert_allclose(
        reg.weight_decay_grad(G, W, 0.1), [0.15, 0.1, -0.2, 0.15], rtol=1e-14
    )
    # …which is the gradient of loss + λ/2‖w‖² for a loss with gradient G
    np.testing.assert_allclose(reg.weight_decay_grad(G, W, 0.1), G + reg.l2_penalty_grad(W, 0.1))


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, 5, elements=st.floats(-10, 10)),
    arrays(np.float64, 5, elements=st.floats(-10, 10)),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.1),
)
def test_weight_decay_in_sgd_is_shrink_then_step(
    w: np.ndarray, g: np.ndarray, lr: float, lam: float
) -> None:
    step = reg.sgd_step_with_weight_decay(w, g, lr, lam)
    np.testing.assert_allclose(step, reg.decay_then_step(w, g, lr, lam), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(step, w - lr * g - lr * lam * w, rtol=1e-12, atol=1e-12)


def test_sgd_weight_decay_by_hand() -> None:
    # (1 − 0.5·0.1) · 0.5 − 0.5 · 0.1 = 0.475 − 0.05 = 0.425
    assert reg.sgd_step_with_weight_decay([0.5], [0.1], 0.5, 0.1)[0] == pytest.approx(
        0.425, rel=1e-14
    )


def test_l1_penalty_and_subgradient() -> None:
    assert reg.l1_penalty(W, 0.2) == pytest.approx(0.2 * 4.0, rel=1e-15)
    np.testing.assert_array_equal(reg.l1_subgradient(W, 0.2), [0.2, -0.2, 0.0, 0.2])
    away_from_zero = np.array([0.5, -2.0, 1.5])
    numeric = gradcheck.numerical_gradient(lambda w: reg.l1_penalty(w, 0.2), away_from_zero)
    assert gradcheck.relative_error(reg.l1_subgradient(away_from_zero, 0.2), numeric) < 1e-7


def test_clip_ratio_is_the_uncapped_coefficient() -> None:
    assert reg.clip_ratio(5.0, 1.0) == 1 / 5.000001
    assert reg.clip_ratio(0.5, 1.0) == 1 / 0.500001
    assert reg.clip_coefficient(0.5, 1.0) == 1.0


def test_l1_regularized_gradient_by_hand() -> None:
    np.testing.assert_allclose(
        reg.l1_regularized_grad(G, W, 0.2), [0.3, 0.1, -0.2, 0.2], rtol=1e-14
    )
