"""Activations against SymPy closed forms and finite differences, plus their edge conventions."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import activations, gradcheck

Z = sp.Symbol("z", real=True)

# Definitions written out independently of the engine (SymPy expressions).
SYMBOLIC = {
    "sigmoid": 1 / (1 + sp.exp(-Z)),
    "tanh": sp.tanh(Z),
    "relu": sp.Piecewise((Z, Z > 0), (0, True)),
    "leaky_relu": sp.Piecewise((Z, Z > 0), (sp.Rational(1, 100) * Z, True)),
    "elu": sp.Piecewise((Z, Z > 0), (sp.exp(Z) - 1, True)),
    "gelu": Z * (1 + sp.erf(Z / sp.sqrt(2))) / 2,
    "gelu_tanh": Z
    / 2
    * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (Z + sp.Rational(44715, 1000000) * Z**3))),
    "swish": Z / (1 + sp.exp(-Z)),
    "softplus": sp.log(1 + sp.exp(Z)),
    "linear": Z,
}

# Points away from the kink at 0, on both sides, including a few large-ish ones.
POINTS = [-4.2, -1.7, -0.75, -0.3, -1e-3, 2e-3, 0.4, 1.1, 2.5, 5.3]


def test_every_product_name_is_known_with_aliases() -> None:
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish"):
        assert activations.get(name).name == name
    assert set(SYMBOLIC) == set(activations.NAMES)
    assert activations.get("silu").name == "swish"
    assert activations.get("identity").name == "linear"
    assert activations.get(" ReLU ").name == "relu"
    with pytest.raises(KeyError, match="known: sigmoid"):
        activations.get("mish")


def test_activation_record_is_frozen_and_described() -> None:
    act = activations.get("gelu")
    with pytest.raises(dataclasses.FrozenInstanceError):
        act.name = "other"  # type: ignore[misc]
    for name in activations.NAMES:
        record = activations.get(name)
        assert record.output_range and record.formula and record.derivative_formula


@pytest.mark.parametrize("name", sorted(SYMBOLIC))
def test_value_and_derivative_match_sympy(name: str) -> None:
    expr = SYMBOLIC[name]
    value = sp.lambdify(Z, expr, modules=["mpmath"])
    slope = sp.lambdify(Z, sp.diff(expr, Z), modules=["mpmath"])
    act = activations.get(name)
    got_values = act.fn(np.array(POINTS))
    got_slopes = act.derivative(np.array(POINTS))
    for point, got_value, got_slope in zip(POINTS, got_values, got_slopes, strict=True):
        assert got_value == pytest.approx(float(value(point)), rel=1e-12, abs=1e-15), point
        assert got_slope == pytest.approx(float(slope(point)), rel=1e-12, abs=1e-15), point


@pytest.mark.parametrize("name", sorted(SYMBOLIC))
def test_derivative_passes_the_gradient_check(name: str) -> None:
    act = activations.get(name)
    z = np.array(POINTS)
    # φ is elementwise, so the gradient of Σφ(z) is exactly the vector of φ′(z_i).
    error = gradcheck.check_gradient(lambda v: float(np.sum(act.fn(v))), act.derivative, z)
    assert error < 1e-7


def test_kink_conventions_follow_pytorch() -> None:
    assert float(activations.d_relu(0.0)) == 0.0
    assert float(activations.d_leaky_relu(0.0)) == 0.01
    assert float(activations.d_elu(0.0)) == 1.0
    assert float(activations.leaky_relu(-2.0)) == -0.02
    assert float(activations.elu(-50.0)) == pytest.approx(-1.0)


@pytest.mark.parametrize("name", sorted(SYMBOLIC))
def test_huge_inputs_give_finite_values_without_warnings(name: str) -> None:
    act = activations.get(name)
    z = np.array([-1000.0, -745.0, 745.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            values, slopes = act.fn(z), act.derivative(z)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))


def test_sigmoid_saturates_cleanly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activations.sigmoid([-1000.0, 1000.0])
        slope = activations.d_sigmoid([-1000.0, 1000.0])
    assert out.tolist() == [0.0, 1.0]
    assert slope.tolist() == [0.0, 0.0]
    assert float(activations.sigmoid(-30.0)) == pytest.approx(math.exp(-30.0), rel=1e-12)


def test_shapes_are_preserved() -> None:
    grid = np.linspace(-2, 2, 12).reshape(3, 4)
    for name in activations.NAMES:
        act = activations.get(name)
        assert act.fn(grid).shape == (3, 4) and act.derivative(grid).shape == (3, 4)
        assert act.fn(0.5).shape == () and act.fn(0.5).dtype == np.float64


def test_erf_matches_math_and_gelu_minimum_matches_stated_range() -> None:
    grid = np.linspace(-4, 4, 8001)
    np.testing.assert_allclose(activations.erf(grid), [math.erf(v) for v in grid], rtol=0, atol=0)
    assert float(np.min(activations.gelu(grid))) == pytest.approx(-0.17, abs=0.001)
    assert float(np.min(activations.swish(grid))) == pytest.approx(-0.2785, abs=0.0005)
    # The tanh form approximates the exact GELU closely but is not the same function.
    gap = np.max(np.abs(activations.gelu(grid) - activations.gelu_tanh(grid)))
    assert 1e-5 < gap < 1e-3


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50, allow_nan=False))
def test_sigmoid_symmetry_and_slope_bound(z: float) -> None:
    assert float(activations.sigmoid(-z)) == pytest.approx(
        1 - float(activations.sigmoid(z)), abs=1e-15
    )
    assert 0.0 <= float(activations.d_sigmoid(z)) <= 0.25
    assert 0.0 <= float(activations.d_tanh(z)) <= 1.0
    assert float(activations.d_softplus(z)) == float(activations.sigmoid(z))
