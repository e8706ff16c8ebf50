"""Rosenblatt's perceptron: a step-activated neuron and its error-driven update rule.

    ŷ = step(w·x + b),  step(s) = 1 if s > 0 else 0   (so a sum of exactly 0 predicts 0)
    w ← w + lr·(y − ŷ)·x,  b ← b + lr·(y − ŷ)

Labels are 0/1. When ŷ = y the factor (y − ŷ) is 0 and nothing moves; a missed positive
(y = 1, ŷ = 0) adds lr·x to w, a false positive subtracts it.

Why XOR defeats it. A single perceptron draws one straight line (hyperplane). For XOR we
would need b ≤ 0 (input 00 → 0), w1 + b > 0 (10 → 1), w2 + b > 0 (01 → 1) and
w1 + w2 + b ≤ 0 (11 → 0). Adding the middle two gives w1 + w2 + 2b > 0, so
w1 + w2 + b > −b ≥ 0, contradicting the last. No weights exist, so training keeps making
mistakes forever, whereas on linearly separable data (AND, OR) the perceptron convergence
theorem guarantees an epoch without mistakes after finitely many updates:

>>> X, y = truth_table("and")
>>> train(X, y, lr=1.0, epochs=20).converged
True
>>> X, y = truth_table("xor")
>>> train(X, y, lr=1.0, epochs=1000).converged
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def step(s: ArrayLike) -> Array:
    """Heaviside step with step(0) = 0: 1.0 where s > 0, else 0.0. Same shape as s."""
    result: Array = (np.asarray(s, dtype=np.float64) > 0).astype(np.float64)
    return result


def predict(w: ArrayLike, b: float, x: ArrayLike) -> Array:
    """ŷ = step(w·x + b). x of shape (n,) gives a 0-d array; X of shape (m, n) gives (m,)."""
    return step(np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b)


@dataclass(frozen=True, eq=False)
class Update:
    """One application of the rule: the sum s = w·x + b, ŷ, the error y − ŷ, and the new w, b."""

    s: float
    y_hat: float
    error: float
    w: Array
    b: float


def update(w: ArrayLike, b: float, x: ArrayLike, y: float, lr: float) -> Update:
    """One perceptron step on example (x, y): w + lr·(y − ŷ)·x and b + lr·(y − ŷ).

    w, x of shape (n,); y in {0, 1}. The inputs are not modified.
    """
    weights, features = np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)
    s = float(features @ weights + b)
    y_hat = float(step(s))
    error = float(y) - y_hat
    return Update(
        s=s, y_hat=y_hat, error=error, w=weights + lr * error * features, b=float(b + lr * error)
    )


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The weights after training, whether an epoch passed with no mistake, and the history."""

    w: Array
    b: float
    converged: bool
    epochs: int
    mistakes_per_epoch: tuple[int, ...]


def train(
    X: ArrayLike,
    y: ArrayLike,
    lr: float = 1.0,
    epochs: int = 100,
    w0: ArrayLike | None = None,
    b0: float = 0.0,
) -> TrainResult:
    """Online training in the given row order, at most `epochs` passes over X (m, n), y (m,).

    Weights start at w0 (zeros by default) and b0. Stops after the first epoch with zero
    mistakes (then `converged` is True); `epochs` in the result counts the passes made.
    """
    features, labels = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w = np.zeros(features.shape[1]) if w0 is None else np.asarray(w0, dtype=np.float64)
    b = float(b0)
    history: list[int] = []
    for _ in range(epochs):
        mistakes = 0
        for x_i, y_i in zip(features, labels, strict=True):
            result = update(w, b, x_i, float(y_i), lr)
            if result.error != 0:
                mistakes += 1
            w, b = result.w, result.b
        history.append(mistakes)
        if mistakes == 0:
            return TrainResult(w, b, True, len(history), tuple(history))
    return TrainResult(w, b, False, len(history), tuple(history))


_GATES = {
    "and": (0.0, 0.0, 0.0, 1.0),
    "or": (0.0, 1.0, 1.0, 1.0),
    "nand": (1.0, 1.0, 1.0, 0.0),
    "xor": (0.0, 1.0, 1.0, 0.0),
}


def truth_table(gate: str) -> tuple[Array, Array]:
    """Inputs X (4, 2) in the order 00, 01, 10, 11 and the 0/1 labels (4,) of and/or/nand/xor."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array(_GATES[gate.lower()], dtype=np.float64)
