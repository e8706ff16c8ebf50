"""The perceptron: its update rule by hand, AND/OR learned, XOR never."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

from engine import perceptron


def test_step_at_zero_predicts_zero() -> None:
    assert perceptron.step([-0.1, 0.0, 0.1]).tolist() == [0.0, 0.0, 1.0]


def test_update_by_hand_on_a_missed_positive() -> None:
    w, x = np.array([0.0, 0.0]), np.array([1.0, 1.0])
    result = perceptron.update(w, 0.0, x, y=1.0, lr=0.5)
    # s = 0, so ŷ = 0; error 1; w = 0 + 0.5·1·[1, 1]; b = 0 + 0.5.
    assert (result.s, result.y_hat, result.error) == (0.0, 0.0, 1.0)
    assert result.w.tolist() == [0.5, 0.5] and result.b == 0.5
    assert w.tolist() == [0.0, 0.0]  # inputs untouched


def test_update_by_hand_on_a_false_positive() -> None:
    result = perceptron.update([0.5, -1.0], 0.2, [2.0, 0.5], y=0.0, lr=0.1)
    # s = 1 − 0.5 + 0.2 = 0.7 > 0, ŷ = 1, error −1: w − 0.1·[2, 0.5], b − 0.1.
    assert result.s == pytest.approx(0.7)
    np.testing.assert_allclose(result.w, [0.3, -1.05])
    assert result.b == pytest.approx(0.1)


def test_correct_prediction_changes_nothing() -> None:
    result = perceptron.update([1.0, 1.0], -0.5, [1.0, 0.0], y=1.0, lr=0.7)
    assert result.error == 0.0 and result.w.tolist() == [1.0, 1.0] and result.b == -0.5


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
@pytest.mark.parametrize("lr", [0.1, 1.0])
def test_learns_linearly_separable_gates(gate: str, lr: float) -> None:
    X, y = perceptron.truth_table(gate)
    result = perceptron.train(X, y, lr=lr, epochs=100)
    assert result.converged and result.mistakes_per_epoch[-1] == 0
    assert perceptron.predict(result.w, result.b, X).tolist() == y.tolist()


@pytest.mark.parametrize("lr", [0.1, 1.0, 3.0])
def test_never_converges_on_xor(lr: float) -> None:
    X, y = perceptron.truth_table("xor")
    rng = np.random.default_rng(0)
    for _ in range(5):
        result = perceptron.train(
            X, y, lr=lr, epochs=500, w0=rng.normal(size=2), b0=float(rng.normal())
        )
        assert not result.converged
        assert result.epochs == 500 and min(result.mistakes_per_epoch) >= 1
        assert perceptron.predict(result.w, result.b, X).tolist() != y.tolist()


def test_no_line_separates_xor_on_a_grid() -> None:
    """Independent evidence for the docstring's argument: search a grid of lines."""
    X, y = perceptron.truth_table("xor")
    grid = np.linspace(-3, 3, 25)
    for w1, w2, b in itertools.product(grid, grid, grid):
        predicted = (X @ np.array([w1, w2]) + b > 0).astype(float)
        assert predicted.tolist() != y.tolist()


def test_module_docstring_demonstration_runs() -> None:
    failures, attempted = doctest.testmod(perceptron)
    assert attempted >= 4 and failures == 0
