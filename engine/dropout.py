"""Dropout, inverted (PyTorch's nn.Dropout) and the original scale-at-inference form.

p is the probability of DROPPING a unit (PyTorch's convention); a mask holds 1 for a kept
unit and 0 for a dropped one, so each entry is 1 with probability 1 − p.

Inverted dropout (what PyTorch does):
    train:     h̃ = mask ⊙ h / (1 − p)        eval: h̃ = h
The 1/(1 − p) makes E[h̃] = h during training, so nothing changes at test time.

Original dropout (Srivastava et al. 2014), kept here as a named alternative:
    train:     h̃ = mask ⊙ h                  inference: h̃ = (1 − p) · h
Both give the same expected activations; they just put the scale on different sides.

p = 1 drops everything: the output is all zeros (the scale is taken as 0, never 1/0),
matching torch.nn.functional.dropout(x, p=1.0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _check_p(p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    return float(p)


def keep_scale(p: float) -> float:
    """The inverted-dropout factor 1 / (1 − p); 0 when p = 1 (every unit is dropped anyway)."""
    p = _check_p(p)
    return 0.0 if p == 1.0 else 1.0 / (1.0 - p)


def sample_mask(rng: np.random.Generator, shape: tuple[int, ...], p: float) -> Array:
    """A 0/1 float mask: each entry kept (1) with probability 1 − p, independently."""
    p = _check_p(p)
    return (rng.random(shape) >= p).astype(np.float64)


def _mask_for(h: Array, p: float, mask: ArrayLike | None, rng: np.random.Generator | None) -> Array:
    if mask is not None:
        given = np.asarray(mask, dtype=np.float64)
        if given.shape != h.shape:
            raise ValueError(f"mask shape {given.shape} does not match h shape {h.shape}")
        return given
    if rng is None:
        raise ValueError("training-mode dropout needs a mask or a numpy Generator")
    return sample_mask(rng, h.shape, p)


def dropout_forward(
    h: ArrayLike,
    p: float,
    *,
    training: bool = True,
    mask: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[Array, Array]:
    """Inverted dropout. Returns (h̃, mask), both the shape of h.

    Training: h̃ = mask ⊙ h / (1 − p), with the given mask or one sampled from rng.
    Eval (training=False): h̃ = h and the mask is all ones.
    """
    x = np.asarray(h, dtype=np.float64)
    if not training:
        _check_p(p)
        return x.copy(), np.ones_like(x)
    m = _mask_for(x, p, mask, rng)
    result: Array = m * x * keep_scale(p)
    return result, m


def dropout_backward(grad_out: ArrayLike, mask: ArrayLike, p: float) -> Array:
    """∂L/∂h = ∂L/∂h̃ ⊙ mask / (1 − p) (training mode; 0 everywhere when p = 1)."""
    g = np.asarray(grad_out, dtype=np.float64)
    result: Array = g * np.asarray(mask, dtype=np.float64) * keep_scale(p)
    return result


def classic_dropout_train(h: ArrayLike, mask: ArrayLike) -> Array:
    """Original dropout while training: h̃ = mask ⊙ h, no rescaling."""
    result: Array = np.asarray(mask, dtype=np.float64) * np.asarray(h, dtype=np.float64)
    return result


def classic_dropout_inference(h: ArrayLike, p: float) -> Array:
    """Original dropout at inference: every unit kept, scaled down to h · (1 − p)."""
    result: Array = np.asarray(h, dtype=np.float64) * (1.0 - _check_p(p))
    return result


def classic_dropout_forward(
    h: ArrayLike,
    p: float,
    *,
    training: bool = True,
    mask: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[Array, Array]:
    """Original dropout. Returns (h̃, mask): mask ⊙ h in training, h · (1 − p) otherwise."""
    x = np.asarray(h, dtype=np.float64)
    if not training:
        return classic_dropout_inference(x, p), np.ones_like(x)
    m = _mask_for(x, _check_p(p), mask, rng)
    return classic_dropout_train(x, m), m


def classic_dropout_backward(grad_out: ArrayLike, mask: ArrayLike) -> Array:
    """∂L/∂h = ∂L/∂h̃ ⊙ mask for original dropout in training mode."""
    result: Array = np.asarray(grad_out, dtype=np.float64) * np.asarray(mask, dtype=np.float64)
    return result
