"""The chain rule on the smallest network that shows it: two sigmoid neurons in a row.

    z1 = w1·x + b1,  a1 = σ(z1),  z2 = w2·a1 + b2,  ŷ = σ(z2),  L = (y − ŷ)²

∂L/∂w1 is a product of five local factors, one per arrow of x → z1 → a1 → z2 → ŷ → L:

    ∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂z2 · ∂z2/∂a1 · ∂a1/∂z1 · ∂z1/∂w1
           = 2(ŷ − y) · ŷ(1 − ŷ) · w2 · a1(1 − a1) · x

All scalars, float64. Also here: how a gradient shrinks through a stack of sigmoids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.activations import d_sigmoid, sigmoid

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SigmoidChain:
    """Every value of the two-neuron chain, forward and backward.

    Forward: z1, a1, z2, y_hat, loss.
    Local factors: dL_dyhat = 2(ŷ − y), dyhat_dz2 = ŷ(1 − ŷ), dz2_da1 = w2,
    da1_dz1 = a1(1 − a1), dz1_dw1 = x.
    Errors: delta2 = ∂L/∂z2, delta1 = ∂L/∂z1.
    Parameter gradients: dL_dw1, dL_db1, dL_dw2, dL_db2 (and dL_dx for completeness).
    """

    z1: float
    a1: float
    z2: float
    y_hat: float
    loss: float
    dL_dyhat: float
    dyhat_dz2: float
    dz2_da1: float
    da1_dz1: float
    dz1_dw1: float
    delta2: float
    delta1: float
    dL_dw1: float
    dL_db1: float
    dL_dw2: float
    dL_db2: float
    dL_dx: float


def sigmoid_chain(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> SigmoidChain:
    """Forward and backward through the two-neuron sigmoid chain with squared-error loss."""
    z1 = w1 * x + b1
    a1 = float(sigmoid(z1))
    z2 = w2 * a1 + b2
    y_hat = float(sigmoid(z2))
    loss = (y - y_hat) ** 2

    dL_dyhat = 2.0 * (y_hat - y)
    dyhat_dz2 = y_hat * (1.0 - y_hat)
    dz2_da1 = w2
    da1_dz1 = a1 * (1.0 - a1)
    dz1_dw1 = x

    delta2 = dL_dyhat * dyhat_dz2
    delta1 = delta2 * dz2_da1 * da1_dz1
    return SigmoidChain(
        z1=z1,
        a1=a1,
        z2=z2,
        y_hat=y_hat,
        loss=loss,
        dL_dyhat=dL_dyhat,
        dyhat_dz2=dyhat_dz2,
        dz2_da1=dz2_da1,
        da1_dz1=da1_dz1,
        dz1_dw1=dz1_dw1,
        delta2=delta2,
        delta1=delta1,
        dL_dw1=delta1 * dz1_dw1,
        dL_db1=delta1,
        dL_dw2=delta2 * a1,
        dL_db2=delta2,
        dL_dx=delta1 * w1,
    )


@dataclass(frozen=True, eq=False)
class VanishingGradient:
    """A gradient passed back through n sigmoid layers.

    factors[k] = σ′(z[k])·w[k] (w = 1 when no weights are given), each at most 0.25·|w[k]|;
    running[k] = factors[0]·…·factors[k], the gradient's scale after k + 1 layers;
    total = running[-1].
    """

    factors: Array
    running: Array
    total: float


def vanishing_gradient(z: ArrayLike, w: ArrayLike | None = None) -> VanishingGradient:
    """Product of σ′(z_k)·w_k over the layers k = 1..n of a chain of scalar sigmoid neurons.

    z (n,): each layer's pre-activation; w (n,): each layer's weight, or None to study the
    activation alone (the product of σ′(z_k), which is at most 0.25ⁿ).
    """
    pre = np.asarray(z, dtype=np.float64).reshape(-1)
    weights = np.ones_like(pre) if w is None else np.asarray(w, dtype=np.float64).reshape(-1)
    if weights.shape != pre.shape:
        raise ValueError(f"z and w must have the same length; got {pre.shape}, {weights.shape}")
    factors: Array = d_sigmoid(pre) * weights
    running: Array = np.cumprod(factors, dtype=np.float64)
    return VanishingGradient(factors=factors, running=running, total=float(running[-1]))
