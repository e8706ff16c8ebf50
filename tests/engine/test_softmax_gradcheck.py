"""Softmax against its definition and SymPy's Jacobian; the checker against known derivatives."""

import numpy as np
import sympy as sp

from engine import gradcheck, softmax


def test_softmax_matches_definition_and_sums_to_one() -> None:
    z = np.array([1.0, 2.0, 0.5])
    expected = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(softmax.softmax(z), expected, rtol=1e-12)
    assert softmax.softmax(z).sum() == np.float64(1.0) or abs(softmax.softmax(z).sum() - 1) < 1e-15


def test_softmax_is_stable_for_huge_logits() -> None:
    out = softmax.softmax([1000.0, 1001.0])
    np.testing.assert_allclose(out, [1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-12)
    np.testing.assert_allclose(softmax.log_softmax([1000.0, 1001.0]), np.log(out), rtol=1e-12)


def test_log_softmax_and_logsumexp_agree_with_naive_forms() -> None:
    z = np.array([[0.3, -1.2, 2.0], [5.0, 5.0, -3.0]])
    np.testing.assert_allclose(softmax.log_softmax(z), np.log(softmax.softmax(z)), rtol=1e-12)
    np.testing.assert_allclose(softmax.logsumexp(z), np.log(np.exp(z).sum(axis=1)), rtol=1e-12)


def test_softmax_jacobian_matches_sympy() -> None:
    symbols = sp.symbols("z0:3")
    total = sum(sp.exp(s) for s in symbols)
    outputs = [sp.exp(s) / total for s in symbols]
    values = {symbols[0]: 0.2, symbols[1]: -0.7, symbols[2]: 1.1}
    jac = np.array([[float(sp.diff(o, s).subs(values)) for s in symbols] for o in outputs])
    np.testing.assert_allclose(softmax.softmax_jacobian([0.2, -0.7, 1.1]), jac, rtol=1e-10)


def test_softmax_backward_passes_the_gradient_check() -> None:
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=4), rng.normal(size=4)
    err = gradcheck.check_gradient(
        lambda v: float(softmax.softmax(v) @ g), lambda v: softmax.softmax_backward(v, g), z
    )
    assert err < 1e-8


def test_checker_measures_known_derivatives() -> None:
    x = np.array([0.5, -1.5, 2.0])
    numeric = gradcheck.numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(numeric, 3 * x**2, rtol=1e-8)
    assert gradcheck.relative_error(3 * x**2, numeric) < 1e-9
    assert gradcheck.relative_error(np.ones(3), -np.ones(3)) == 1.0
    assert abs(gradcheck.central_difference(np.sin, 0.3) - np.cos(0.3)) < 1e-9
    assert gradcheck.check_gradient(lambda v: float(np.sum(v**2)), lambda v: 3 * v, x) > 0.1
