"""Loss functions and their gradients with respect to the prediction.

Conventions (PyTorch's unless noted):

- Argument order follows the math of each loss: regression and binary losses take the
  target first, L(y, ŷ); the softmax losses take the logits first, CE(z, target), like
  ``torch.nn.functional.cross_entropy``. Passing by keyword avoids any doubt.
- ``reduction="mean"`` (the default, as in PyTorch) averages over every element for the
  regression and binary losses, and over the batch (never over classes) for the
  cross-entropies; ``reduction="sum"`` adds instead. Each gradient takes the same
  ``reduction``: the mean's gradient is the sum's divided by n.
- ``*_elementwise`` functions give the per-element terms before reduction (PyTorch's
  ``reduction="none"``), so a worked solution can show them one by one.
- Logarithms are natural, so log-losses are in nats; ``change_log_base`` re-expresses one.
- Class indices are 0-based integers.

Shapes: a regression or binary loss takes two arrays of the same (any) shape; a
cross-entropy takes one example as a vector of k scores, or a batch as a (batch, k) matrix.
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.activations import sigmoid
from engine.softmax import log_softmax, softmax

Array = NDArray[np.float64]
Reduction: TypeAlias = Literal["mean", "sum"]

LOG_FLOOR = -100.0
"""PyTorch's BCELoss clamps each log at −100, so p = 0 or 1 gives a large finite loss."""

BCE_GRAD_EPS = 9.999999960041972e-13
"""PyTorch's BCELoss backward divides by max(p(1 − p), 1e-12) to stay finite at p = 0 or 1.

Its kernel holds that 1e-12 as a C float, so the floor is float32(1e-12) = 9.99999996e-13;
we use the same number, so the slope at p = 0 or 1 matches torch's to the last digit.
"""


# ------------------------------------------------------------------------------ shared pieces


def _pair(y: ArrayLike, prediction: ArrayLike) -> tuple[Array, Array]:
    """Both arrays as float64, refusing silent broadcasting between different shapes."""
    target = np.asarray(y, dtype=np.float64)
    predicted = np.asarray(prediction, dtype=np.float64)
    if target.shape != predicted.shape:
        raise ValueError(f"target shape {target.shape} != prediction shape {predicted.shape}")
    if predicted.size == 0:
        raise ValueError("a loss needs at least one element")
    return target, predicted


def _reduce(terms: Array, reduction: Reduction) -> float:
    if reduction == "mean":
        return float(np.mean(terms))
    if reduction == "sum":
        return float(np.sum(terms))
    raise ValueError(f"reduction must be 'mean' or 'sum', not {reduction!r}")


def _scale(count: int, reduction: Reduction) -> float:
    """The factor the reduction puts in front of each term's derivative: 1/n or 1."""
    if reduction == "mean":
        return 1.0 / count
    if reduction == "sum":
        return 1.0
    raise ValueError(f"reduction must be 'mean' or 'sum', not {reduction!r}")


def change_log_base(nats: float, base: float) -> float:
    """A log-loss measured in nats (natural log) re-expressed with another base: L / ln(base).

    Base 2 gives bits; base 10 is what a learner gets who pressed the calculator's `log` key.
    """
    if base <= 0 or base == 1:
        raise ValueError("a log base must be positive and not 1")
    return nats / math.log(base)


# ---------------------------------------------------------------------------- regression


def mse_elementwise(y: ArrayLike, y_hat: ArrayLike) -> Array:
    """(y − ŷ)² per element. Shape: that of y and ŷ (which must match)."""
    target, predicted = _pair(y, y_hat)
    result: Array = (target - predicted) ** 2
    return result


def mse(y: ArrayLike, y_hat: ArrayLike, reduction: Reduction = "mean") -> float:
    """Mean squared error, mean((y − ŷ)²) over every element."""
    return _reduce(mse_elementwise(y, y_hat), reduction)


def mse_gradient(y: ArrayLike, y_hat: ArrayLike, reduction: Reduction = "mean") -> Array:
    """∂MSE/∂ŷ = 2(ŷ − y)/n (n = number of elements; no /n for the sum). Shape of ŷ."""
    target, predicted = _pair(y, y_hat)
    result: Array = 2.0 * (predicted - target) * _scale(predicted.size, reduction)
    return result


def mae_elementwise(y: ArrayLike, y_hat: ArrayLike) -> Array:
    """|y − ŷ| per element. Shape: that of y and ŷ."""
    target, predicted = _pair(y, y_hat)
    result: Array = np.abs(target - predicted)
    return result


def mae(y: ArrayLike, y_hat: ArrayLike, reduction: Reduction = "mean") -> float:
    """Mean absolute error (PyTorch's L1Loss), mean(|y − ŷ|) over every element."""
    return _reduce(mae_elementwise(y, y_hat), reduction)


def mae_gradient(y: ArrayLike, y_hat: ArrayLike, reduction: Reduction = "mean") -> Array:
    """∂MAE/∂ŷ = sign(ŷ − y)/n. At the kink ŷ = y the subgradient 0 is used, as PyTorch does."""
    target, predicted = _pair(y, y_hat)
    result: Array = np.sign(predicted - target) * _scale(predicted.size, reduction)
    return result


def _check_delta(delta: float) -> None:
    if not delta > 0:
        raise ValueError(f"Huber delta must be positive, got {delta}")


def huber_elementwise(y: ArrayLike, y_hat: ArrayLike, delta: float = 1.0) -> Array:
    """Huber term per element, residual r = ŷ − y: ½r² if |r| ≤ δ, else δ(|r| − ½δ).

    Quadratic near zero (like MSE, smooth gradient), linear far out (like MAE, robust to
    outliers); the two pieces meet with equal value and slope at |r| = δ. PyTorch's
    HuberLoss, default δ = 1 (where it equals SmoothL1Loss).
    """
    _check_delta(delta)
    target, predicted = _pair(y, y_hat)
    r = predicted - target
    size = np.abs(r)
    result: Array = np.where(size <= delta, 0.5 * r**2, delta * (size - 0.5 * delta))
    return result


def huber(
    y: ArrayLike, y_hat: ArrayLike, delta: float = 1.0, reduction: Reduction = "mean"
) -> float:
    """Huber loss averaged over every element (see `huber_elementwise`)."""
    return _reduce(huber_elementwise(y, y_hat, delta), reduction)


def huber_gradient(
    y: ArrayLike, y_hat: ArrayLike, delta: float = 1.0, reduction: Reduction = "mean"
) -> Array:
    """∂Huber/∂ŷ = clip(ŷ − y, −δ, δ)/n: the residual inside the band, ±δ outside. Shape of ŷ."""
    _check_delta(delta)
    target, predicted = _pair(y, y_hat)
    result: Array = np.clip(predicted - target, -delta, delta) * _scale(predicted.size, reduction)
    return result


# -------------------------------------------------------------------- binary classification


def _probabilities(p: Array) -> Array:
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("binary cross-entropy needs probabilities p in [0, 1]")
    return p


def bce_elementwise(y: ArrayLike, p: ArrayLike) -> Array:
    """−[y ln p + (1 − y) ln(1 − p)] per element, each ln clamped at −100 as PyTorch does.

    y: labels in {0, 1} (soft labels in [0, 1] also work); p: predicted P(y = 1) in [0, 1].
    The clamp means p = 0 or 1 costs at most 100 nats instead of infinity.
    """
    target, prob = _pair(y, p)
    prob = _probabilities(prob)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(prob), LOG_FLOOR)
        log_not_p = np.maximum(np.log1p(-prob), LOG_FLOOR)
    result: Array = -(target * log_p + (1.0 - target) * log_not_p)
    return result


def binary_cross_entropy(y: ArrayLike, p: ArrayLike, reduction: Reduction = "mean") -> float:
    """BCE on probabilities (PyTorch's BCELoss): −mean(y ln p + (1 − y) ln(1 − p))."""
    return _reduce(bce_elementwise(y, p), reduction)


def binary_cross_entropy_gradient(
    y: ArrayLike, p: ArrayLike, reduction: Reduction = "mean"
) -> Array:
    """∂BCE/∂p = (−y/p + (1 − y)/(1 − p))/n = (p − y)/(p(1 − p))/n. Shape of p.

    As in PyTorch's backward, the denominator p(1 − p) is floored at 1e-12, so p = 0 or 1
    gives a large finite slope rather than a division by zero.
    """
    target, prob = _pair(y, p)
    prob = _probabilities(prob)
    denominator = np.maximum(prob * (1.0 - prob), BCE_GRAD_EPS)
    result: Array = (prob - target) / denominator * _scale(prob.size, reduction)
    return result


def bce_with_logits_elementwise(y: ArrayLike, logits: ArrayLike) -> Array:
    """BCE of σ(x) written on the logit x: max(x, 0) − x·y + ln(1 + e^(−|x|)) per element.

    Algebraically −[y ln σ(x) + (1 − y) ln(1 − σ(x))], but never forms σ(x), so it stays
    finite and accurate for any x (x = ±1000 included). PyTorch's BCEWithLogitsLoss.
    """
    target, x = _pair(y, logits)
    result: Array = np.maximum(x, 0.0) - x * target + np.log1p(np.exp(-np.abs(x)))
    return result


def bce_with_logits(y: ArrayLike, logits: ArrayLike, reduction: Reduction = "mean") -> float:
    """BCE on logits, averaged over every element (see `bce_with_logits_elementwise`)."""
    return _reduce(bce_with_logits_elementwise(y, logits), reduction)


def bce_with_logits_gradient(
    y: ArrayLike, logits: ArrayLike, reduction: Reduction = "mean"
) -> Array:
    """∂/∂x = (σ(x) − y)/n: the sigmoid's derivative cancels BCE's 1/(p(1 − p)). Shape of x."""
    target, x = _pair(y, logits)
    result: Array = (sigmoid(x) - target) * _scale(x.size, reduction)
    return result


# --------------------------------------------------------------- multi-class classification


def _class_indices(target: ArrayLike, k: int) -> NDArray[np.intp]:
    indices = np.asarray(target)
    if indices.dtype == np.bool_ or not np.issubdtype(indices.dtype, np.integer):
        raise TypeError("class targets must be integer indices (0-based)")
    if np.any((indices < 0) | (indices >= k)):
        raise ValueError(f"class index out of range for {k} classes (0-based)")
    return indices.astype(np.intp)


def one_hot(target: ArrayLike, k: int) -> Array:
    """The one-hot vector(s) of 0-based class index(es).
    int -> (k,); shape (batch,) -> (batch, k)."""
    indices = _class_indices(target, k)
    result: Array = np.eye(k, dtype=np.float64)[indices]
    return result


def smoothed_targets(target: ArrayLike, k: int, epsilon: float) -> Array:
    """Label-smoothed target distribution q = (1 − ε)·onehot + ε/K (PyTorch's convention).

    The true class gets 1 − ε + ε/K and every other class ε/K; each row sums to 1.
    ε = 0 gives the plain one-hot. Shapes as `one_hot`.
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"label smoothing must be in [0, 1], got {epsilon}")
    result: Array = (1.0 - epsilon) * one_hot(target, k) + epsilon / k
    return result


def _classes(scores: ArrayLike, what: str) -> Array:
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim not in (1, 2) or array.shape[-1] == 0:
        raise ValueError(f"{what} must be a vector (k,) or a batch (batch, k)")
    return array


def categorical_cross_entropy(y: ArrayLike, p: ArrayLike, reduction: Reduction = "mean") -> float:
    """−Σ_c y_c ln p_c on probabilities, summed over classes, mean over the batch.

    y: one-hot or soft targets, p: probabilities (e.g. a softmax output), both (k,) or
    (batch, k). Each ln is clamped at −100 like BCE, which also makes 0·ln 0 count as 0.
    """
    target, prob = _pair(y, _classes(p, "probabilities"))
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(prob), LOG_FLOOR)
    per_example = -np.sum(target * log_p, axis=-1)
    return _reduce(np.atleast_1d(per_example), reduction)


def categorical_cross_entropy_gradient(
    y: ArrayLike, p: ArrayLike, reduction: Reduction = "mean"
) -> Array:
    """∂CCE/∂p_c = −y_c/p_c (÷ batch size for the mean); 0 where ln p_c sits on the clamp."""
    target, prob = _pair(y, _classes(p, "probabilities"))
    batch = 1 if prob.ndim == 1 else prob.shape[0]
    above_floor = prob > math.exp(LOG_FLOOR)
    safe = np.where(above_floor, prob, 1.0)
    result: Array = np.where(above_floor, -target / safe, 0.0) * _scale(batch, reduction)
    return result


def softmax_cross_entropy(
    z: ArrayLike, target: ArrayLike, label_smoothing: float = 0.0, reduction: Reduction = "mean"
) -> float:
    """Cross-entropy of softmax(z) against a class index: −ln softmax(z)[target].

    z: logits, (k,) for one example with an int target, or (batch, k) with targets of
    shape (batch,), mean over the batch. With label smoothing ε the target becomes
    q = (1 − ε)·onehot + ε/K and the loss −Σ_c q_c ln softmax(z)_c (PyTorch's
    CrossEntropyLoss(label_smoothing=ε)). Computed from log_softmax, so huge logits are fine.
    """
    logits = _classes(z, "logits")
    q = smoothed_targets(target, logits.shape[-1], label_smoothing)
    if q.shape != logits.shape:
        raise ValueError(f"targets give shape {q.shape}, logits have shape {logits.shape}")
    per_example = -np.sum(q * log_softmax(logits), axis=-1)
    return _reduce(np.atleast_1d(per_example), reduction)


def softmax_cross_entropy_gradient(
    z: ArrayLike, target: ArrayLike, label_smoothing: float = 0.0, reduction: Reduction = "mean"
) -> Array:
    """∂CE/∂z = softmax(z) − q, divided by the batch size for the mean. Shape of z.

    The softmax Jacobian diag(s) − s sᵀ times CE's −q/s collapses to s − q (using Σ q = 1):
    prediction minus target, the reason softmax and cross-entropy are used together.
    """
    logits = _classes(z, "logits")
    q = smoothed_targets(target, logits.shape[-1], label_smoothing)
    if q.shape != logits.shape:
        raise ValueError(f"targets give shape {q.shape}, logits have shape {logits.shape}")
    batch = 1 if logits.ndim == 1 else logits.shape[0]
    result: Array = (softmax(logits) - q) * _scale(batch, reduction)
    return result
