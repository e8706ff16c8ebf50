"""Seed 002's worked chain rule, reproduced: five factors whose product is the
finite-difference ∂L/∂w1, every gradient against SymPy; and the vanishing-gradient product."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import chain
from engine.gradcheck import central_difference, numerical_gradient, relative_error


def sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def loss(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> float:
    """L = (y − σ(w2·σ(w1·x + b1) + b2))², written out here."""
    return (y - sig(w2 * sig(w1 * x + b1) + b2)) ** 2


CASES = [
    (1.0, 1.0, 0.5, 0.0, 0.5, 0.0),
    (-0.7, 0.0, 1.7, 0.4, -0.9, 0.8),
    (2.0, 0.3, -1.2, 0.5, 1.5, -0.5),
    (0.4, 1.0, 0.8, -0.3, 2.0, 0.1),
]


def test_hand_worked_example() -> None:
    # x = 1, w1 = b1 = 0 → z1 = 0, a1 = ½; w2 = 2, b2 = −1 → z2 = 0, ŷ = ½; y = 1 → L = ¼.
    c = chain.sigmoid_chain(x=1.0, y=1.0, w1=0.0, b1=0.0, w2=2.0, b2=-1.0)
    assert (c.z1, c.a1, c.z2, c.y_hat, c.loss) == (0.0, 0.5, 0.0, 0.5, 0.25)
    assert (c.dL_dyhat, c.dyhat_dz2, c.dz2_da1, c.da1_dz1, c.dz1_dw1) == (
        -1.0,
        0.25,
        2.0,
        0.25,
        1.0,
    )
    assert c.dL_dw1 == -0.125  # −1 · ¼ · 2 · ¼ · 1


@pytest.mark.parametrize("case", CASES)
def test_product_of_five_factors_is_the_finite_difference_gradient(case: tuple[float, ...]) -> None:
    x, y, w1, b1, w2, b2 = case
    c = chain.sigmoid_chain(x, y, w1, b1, w2, b2)
    # The factors as seed 002 names them, checked one by one from the forward values.
    assert c.dL_dyhat == pytest.approx(2 * (c.y_hat - y))
    assert c.dyhat_dz2 == pytest.approx(c.y_hat * (1 - c.y_hat))
    assert c.dz2_da1 == w2 and c.dz1_dw1 == x
    assert c.da1_dz1 == pytest.approx(c.a1 * (1 - c.a1))
    product = c.dL_dyhat * c.dyhat_dz2 * c.dz2_da1 * c.da1_dz1 * c.dz1_dw1
    numeric = central_difference(lambda v: loss(x, y, v, b1, w2, b2), w1)
    assert relative_error(np.array([product]), np.array([numeric])) < 1e-7
    assert c.dL_dw1 == pytest.approx(product, rel=1e-14)
    assert c.loss == pytest.approx(loss(*case), rel=1e-14)


@pytest.mark.parametrize("case", CASES)
def test_every_parameter_gradient_matches_finite_differences(case: tuple[float, ...]) -> None:
    c = chain.sigmoid_chain(*case)
    analytic = np.array([c.dL_dx, 0.0, c.dL_dw1, c.dL_db1, c.dL_dw2, c.dL_db2])
    numeric = numerical_gradient(lambda p: loss(*p), np.array(case))
    numeric[1] = 0.0  # y is a target, not a parameter; its slot is not compared
    assert relative_error(analytic, numeric) < 1e-7


def test_gradients_match_sympy() -> None:
    x, y, w1, b1, w2, b2 = sp.symbols("x y w1 b1 w2 b2", real=True)
    a1 = 1 / (1 + sp.exp(-(w1 * x + b1)))
    L = (y - 1 / (1 + sp.exp(-(w2 * a1 + b2)))) ** 2
    symbols = (x, y, w1, b1, w2, b2)
    wanted = {"dL_dw1": w1, "dL_db1": b1, "dL_dw2": w2, "dL_db2": b2, "dL_dx": x}
    derivatives = {name: sp.lambdify(symbols, sp.diff(L, v)) for name, v in wanted.items()}
    for case in CASES:
        c = chain.sigmoid_chain(*case)
        for name, fn in derivatives.items():
            assert getattr(c, name) == pytest.approx(float(fn(*case)), rel=1e-12, abs=1e-15), name


def test_vanishing_product_through_ten_layers() -> None:
    # The best case for a sigmoid is z = 0, slope ¼; ten layers give ¼¹⁰ ≈ 9.5e-7.
    result = chain.vanishing_gradient(np.zeros(10))
    assert result.total == pytest.approx(0.25**10, rel=1e-15)
    assert result.running.tolist() == pytest.approx([0.25**k for k in range(1, 11)], rel=1e-15)


def test_vanishing_product_is_the_derivative_of_a_sigmoid_stack() -> None:
    """With weights, Π σ′(z_k)·w_k is d a_n / d a_0 for a_k = σ(w_k·a_(k−1))."""
    weights = [1.5, -2.0, 0.7, 3.0, -1.1]

    def stack(a0: float) -> tuple[float, list[float]]:
        a, zs = a0, []
        for w in weights:
            zs.append(w * a)
            a = sig(w * a)
        return a, zs

    a0 = 0.3
    _, zs = stack(a0)
    result = chain.vanishing_gradient(zs, weights)
    numeric = central_difference(lambda v: stack(v)[0], a0)
    assert relative_error(np.array([result.total]), np.array([numeric])) < 1e-7
    with pytest.raises(ValueError):
        chain.vanishing_gradient([0.1, 0.2], [1.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-8, 8, allow_nan=False), min_size=1, max_size=12))
def test_sigmoid_alone_shrinks_by_at_least_a_quarter_per_layer(z: list[float]) -> None:
    result = chain.vanishing_gradient(z)
    assert 0.0 <= result.total <= 0.25 ** len(z)
    assert np.all(np.diff(result.running) <= 0)
