"""Softmax and log-softmax, stable for large logits, along the last axis.

    softmax(z)_i = exp(z_i − max z) / Σ_j exp(z_j − max z)
    log_softmax(z)_i = (z_i − max z) − log Σ_j exp(z_j − max z)

Subtracting the maximum changes nothing mathematically (it cancels) but keeps exp from
overflowing: softmax([1000, 1001]) is [0.2689, 0.7311], not nan.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def softmax(z: ArrayLike) -> Array:
    """Probabilities from logits. Shape (..., k) -> (..., k), each row sums to 1."""
    logits = np.asarray(z, dtype=np.float64)
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    exps = np.exp(shifted)
    result: Array = exps / np.sum(exps, axis=-1, keepdims=True)
    return result


def log_softmax(z: ArrayLike) -> Array:
    """Natural log of softmax, computed without forming softmax. Shape (..., k) -> (..., k)."""
    logits = np.asarray(z, dtype=np.float64)
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    result: Array = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return result


def logsumexp(z: ArrayLike) -> Array:
    """log Σ exp(z) over the last axis, stable. Shape (..., k) -> (...)."""
    logits = np.asarray(z, dtype=np.float64)
    top = np.max(logits, axis=-1, keepdims=True)
    result: Array = np.squeeze(top, -1) + np.log(np.sum(np.exp(logits - top), axis=-1))
    return result


def softmax_jacobian(z: ArrayLike) -> Array:
    """∂softmax_i/∂z_j = s_i(δ_ij − s_j) = diag(s) − s sᵀ for one logit vector.
    Shape (k,) -> (k, k)."""
    s = softmax(np.asarray(z, dtype=np.float64).reshape(-1))
    result: Array = np.diag(s) - np.outer(s, s)
    return result


def softmax_backward(z: ArrayLike, grad_out: ArrayLike) -> Array:
    """∂L/∂z given ∂L/∂softmax(z): s ⊙ (g − Σ g ⊙ s), along the last axis. Shapes (..., k)."""
    s = softmax(z)
    g = np.asarray(grad_out, dtype=np.float64)
    result: Array = s * (g - np.sum(g * s, axis=-1, keepdims=True))
    return result
