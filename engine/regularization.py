"""Gradient clipping and weight penalties (L2 / weight decay, L1), PyTorch conventions.

Clipping by global norm (torch.nn.utils.clip_grad_norm_, norm_type 2): all gradients are
treated as one long vector,
    total_norm = √(Σ_i ‖g_i‖²),   coef = max_norm / (total_norm + 1e-6),
and every g_i is multiplied by coef only when coef < 1 (i.e. by min(1, coef)). The 1e-6
keeps a zero gradient from dividing by zero; it also means a clipped gradient's norm is a
hair below max_norm. Clipping by value (clip_grad_value_) clamps each entry to [−c, c].

Two ways of writing L2 regularization, which give the same update:
- as a penalty added to the loss: R(w) = λ/2 · ‖w‖², whose gradient is λ·w;
- as PyTorch's ``weight_decay=λ`` in torch.optim.SGD: the optimizer uses grad + λ·w.
So weight_decay λ is the penalty λ/2·‖w‖² (not λ·‖w‖², whose gradient would be 2λ·w).
In plain SGD the step w − lr·(grad + λw) equals (1 − lr·λ)·w − lr·grad: shrink the
weights by the factor (1 − lr·λ), then take the ordinary step; hence "weight decay".
(With Adam the two differ; AdamW applies the decoupled shrink instead.)

L1: R(w) = λ·‖w‖₁ with subgradient λ·sign(w), taking sign(0) = 0 (torch.sign).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

CLIP_EPS = 1e-6


def _as_float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- clipping


def global_norm(grads: Sequence[ArrayLike]) -> float:
    """√(Σ_i ‖g_i‖²) over every entry of every array: the norm of all gradients together."""
    return math.sqrt(sum(float(np.sum(_as_float(g) ** 2)) for g in grads))


def clip_ratio(total_norm: float, max_norm: float) -> float:
    """max_norm / (total_norm + 1e-6), before it is capped at 1 (torch's clip_coef)."""
    return max_norm / (total_norm + CLIP_EPS)


def clip_coefficient(total_norm: float, max_norm: float) -> float:
    """The factor clipping applies: min(1, max_norm / (total_norm + 1e-6))."""
    return min(1.0, clip_ratio(total_norm, max_norm))


def clip_grad_norm(grads: Sequence[ArrayLike], max_norm: float) -> tuple[list[Array], float]:
    """Rescale gradients so their global norm is at most max_norm.

    Returns (clipped copies, total_norm before clipping); like clip_grad_norm_, which returns
    the original norm. Gradients under the limit come back unchanged.
    """
    total = global_norm(grads)
    coef = clip_coefficient(total, max_norm)
    return [_as_float(g) * coef for g in grads], total


def clip_vector_norm(grad: ArrayLike, max_norm: float) -> Array:
    """The one-array case: grad · min(1, max_norm / (‖grad‖ + 1e-6))."""
    clipped, _ = clip_grad_norm([grad], max_norm)
    return clipped[0]


def clip_grad_value(grads: Sequence[ArrayLike], clip_value: float) -> list[Array]:
    """Each entry clamped to [−clip_value, clip_value]; directions may change, norms are not
    kept."""
    return [np.clip(_as_float(g), -clip_value, clip_value) for g in grads]


# ---------------------------------------------------------------- L2 / weight decay


def l2_penalty(w: ArrayLike, lam: float) -> float:
    """R(w) = λ/2 · ‖w‖² (sum of squares of every entry)."""
    return 0.5 * lam * float(np.sum(_as_float(w) ** 2))


def l2_penalty_grad(w: ArrayLike, lam: float) -> Array:
    """∇R(w) = λ·w for R = λ/2 · ‖w‖²."""
    result: Array = lam * _as_float(w)
    return result


def weight_decay_grad(grad: ArrayLike, w: ArrayLike, weight_decay: float) -> Array:
    """The gradient torch.optim.SGD(weight_decay=λ) actually steps with: grad + λ·w."""
    result: Array = _as_float(grad) + weight_decay * _as_float(w)
    return result


def sgd_step_with_weight_decay(
    w: ArrayLike, grad: ArrayLike, lr: float, weight_decay: float
) -> Array:
    """w − lr · (grad + λ·w): plain SGD with PyTorch's weight_decay."""
    result: Array = _as_float(w) - lr * weight_decay_grad(grad, w, weight_decay)
    return result


def decay_then_step(w: ArrayLike, grad: ArrayLike, lr: float, weight_decay: float) -> Array:
    """(1 − lr·λ)·w − lr·grad: shrink first, then the ordinary step. Same as the function above."""
    result: Array = (1.0 - lr * weight_decay) * _as_float(w) - lr * _as_float(grad)
    return result


# ---------------------------------------------------------------- L1


def l1_penalty(w: ArrayLike, lam: float) -> float:
    """R(w) = λ · ‖w‖₁ = λ · Σ|w|."""
    return lam * float(np.sum(np.abs(_as_float(w))))


def l1_subgradient(w: ArrayLike, lam: float) -> Array:
    """λ · sign(w), with sign(0) = 0 (the subgradient torch picks at the kink)."""
    result: Array = lam * np.sign(_as_float(w))
    return result


def l1_regularized_grad(grad: ArrayLike, w: ArrayLike, lam: float) -> Array:
    """grad + λ · sign(w): the (sub)gradient of loss + λ · ‖w‖₁."""
    result: Array = _as_float(grad) + l1_subgradient(w, lam)
    return result
