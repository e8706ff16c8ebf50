"""Dense (affine) layers, a small MLP with backprop, and the two-layer network of the drills.

Shapes and conventions, the same everywhere in this module:

- W has shape (out, in); b has shape (out,).
- One example is a 1-D vector: x of shape (in,), z = W @ x + b of shape (out,).
- A batch puts examples in ROWS: X of shape (batch, in), Z = X @ W.T + b of shape
  (batch, out) (row r of Z is W @ X[r] + b).
- A backward pass receives δ = ∂L/∂z for the scalar loss L (shape of z) and returns exact
  partial derivatives of that L. For a batch the parameter gradients are therefore SUMMED over
  the rows: ∂L/∂W = Σ_r δ_r a_rᵀ = Δᵀ A. If your loss is a mean over the batch, the 1/batch
  factor is already inside Δ (it came from ∂L/∂Z); nothing here divides by the batch size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine import activations

Array = NDArray[np.float64]


def _f64(a: ArrayLike) -> Array:
    return np.asarray(a, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class DenseGrads:
    """Gradients of L through one dense layer: dW (out, in), db (out,), da_prev (in,)
    or (batch, in)."""

    dW: Array
    db: Array
    da_prev: Array


# ---------------------------------------------------------------- one example (vectors)


def dense_forward(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> Array:
    """z = W @ x + b. W (out, in), x (in,), b (out,) -> z (out,)."""
    z: Array = _f64(W) @ _f64(x) + _f64(b)
    return z


def weight_gradient(delta: ArrayLike, a_prev: ArrayLike) -> Array:
    """∂L/∂W = δ a_prevᵀ for one example: the outer product, shape (out, in) like W.

    Entry (i, j) is δ_i · a_prev_j: the error at output i times the input j that fed it.
    """
    dW: Array = np.outer(_f64(delta), _f64(a_prev))
    return dW


def dense_backward(W: ArrayLike, a_prev: ArrayLike, delta: ArrayLike) -> DenseGrads:
    """Backward through z = W a_prev + b for one example, given δ = ∂L/∂z (out,).

    ∂L/∂W = δ a_prevᵀ (outer product, shape (out, in) like W), ∂L/∂b = δ,
    ∂L/∂a_prev = Wᵀ δ (shape (in,)).
    """
    weights, a, d = _f64(W), _f64(a_prev), _f64(delta)
    return DenseGrads(dW=weight_gradient(d, a), db=d.copy(), da_prev=weights.T @ d)


# ---------------------------------------------------------------- a batch (rows are examples)


def dense_forward_batch(W: ArrayLike, X: ArrayLike, b: ArrayLike) -> Array:
    """Z = X @ Wᵀ + b. W (out, in), X (batch, in), b (out,) broadcast over rows
    -> Z (batch, out)."""
    Z: Array = _f64(X) @ _f64(W).T + _f64(b)
    return Z


def dense_backward_batch(W: ArrayLike, A_prev: ArrayLike, Delta: ArrayLike) -> DenseGrads:
    """Backward through Z = A_prev Wᵀ + b for a batch, given Δ = ∂L/∂Z (batch, out).

    Gradients are summed over the batch (see the module docstring for why that is exact):
    ∂L/∂W = Δᵀ A_prev (out, in), ∂L/∂b = Σ_rows Δ (out,), ∂L/∂A_prev = Δ W (batch, in).
    """
    weights, a, d = _f64(W), _f64(A_prev), _f64(Delta)
    return DenseGrads(dW=d.T @ a, db=d.sum(axis=0), da_prev=d @ weights)


# ---------------------------------------------------------------- δ at one layer


def output_delta(dL_da: ArrayLike, z: ArrayLike, activation: str) -> Array:
    """δ[L] = ∂L/∂a[L] ⊙ g′(z[L]) at the output layer. Shapes of z ((out,) or (batch, out))."""
    delta: Array = _f64(dL_da) * activations.get(activation).derivative(z)
    return delta


def hidden_delta(W_next: ArrayLike, delta_next: ArrayLike, z: ArrayLike, activation: str) -> Array:
    """δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g′(z[l]) for one example.

    W_next (out_next, n), delta_next (out_next,), z (n,) -> δ[l] (n,).
    """
    delta: Array = (_f64(W_next).T @ _f64(delta_next)) * activations.get(activation).derivative(z)
    return delta


# ---------------------------------------------------------------- a single neuron


@dataclass(frozen=True)
class NeuronPass:
    """One neuron's forward values: z = w·x + b and a = φ(z)."""

    z: float
    a: float


def neuron_forward(x: ArrayLike, w: ArrayLike, b: float, activation: str) -> NeuronPass:
    """a = φ(w·x + b). x and w of shape (n,), b a scalar, φ looked up by name."""
    z = float(np.dot(_f64(w), _f64(x)) + b)
    return NeuronPass(z=z, a=float(activations.get(activation).fn(z)))


# ---------------------------------------------------------------- the two-layer network


@dataclass(frozen=True, eq=False)
class TwoLayerPass:
    """Forward values of y = W2 φ(W1 x + b1) + b2: z1 (hidden,), h = φ(z1) (hidden,), y (out,)."""

    z1: Array
    h: Array
    y: Array


def two_layer_forward(
    x: ArrayLike,
    W1: ArrayLike,
    b1: ArrayLike,
    W2: ArrayLike,
    b2: ArrayLike,
    activation: str,
) -> TwoLayerPass:
    """Hidden layer with activation φ, then a linear output layer.

    x (in,), W1 (hidden, in), b1 (hidden,), W2 (out, hidden), b2 (out,):
    z1 = W1 x + b1, h = φ(z1), y = W2 h + b2 (no activation on y).
    """
    z1 = dense_forward(W1, x, b1)
    h = activations.get(activation).fn(z1)
    return TwoLayerPass(z1=z1, h=h, y=dense_forward(W2, h, b2))


# ---------------------------------------------------------------- a small MLP


@dataclass(frozen=True, eq=False)
class Dense:
    """One layer of an MLP: a = φ(W a_prev + b) with W (out, in), b (out,), φ named."""

    W: Array
    b: Array
    activation: str = "linear"

    @classmethod
    def of(cls, W: ArrayLike, b: ArrayLike, activation: str = "linear") -> Dense:
        """Build a layer from array-likes, checking that W and b agree on `out`."""
        weights, bias = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        if weights.ndim != 2 or bias.shape != (weights.shape[0],):
            raise ValueError(f"W must be (out, in) and b (out,); got {weights.shape}, {bias.shape}")
        activations.get(activation)  # fail early on an unknown name
        return cls(weights, bias, activation)


@dataclass(frozen=True, eq=False)
class Cache:
    """What the forward pass keeps for backprop.

    a[0] is the input x; for layer l = 1..L, z[l − 1] is its pre-activation and a[l] its
    output (Python lists are 0-based, the layer numbers of the δ recursion are 1-based).
    """

    z: tuple[Array, ...]
    a: tuple[Array, ...]


class MLP:
    """A stack of Dense layers: a[l] = φ_l(W[l] a[l−1] + b[l]), a[0] = x.

    `forward` accepts one example x of shape (in,) or a batch X of shape (batch, in) with
    examples in rows; `backward` follows the same shape (batch gradients are summed over rows,
    see the module docstring).
    """

    def __init__(self, layers: Sequence[Dense]) -> None:
        if not layers:
            raise ValueError("an MLP needs at least one layer")
        for previous, current in pairwise(layers):
            if current.W.shape[1] != previous.W.shape[0]:
                raise ValueError(
                    f"layer widths do not chain: {previous.W.shape} then {current.W.shape}"
                )
        self.layers: tuple[Dense, ...] = tuple(layers)

    def forward(self, x: ArrayLike) -> tuple[Array, Cache]:
        """The output a[L] and the cache of every z and a."""
        a = _f64(x)
        zs: list[Array] = []
        outputs: list[Array] = [a]
        for layer in self.layers:
            z: Array = a @ layer.W.T + layer.b  # = W @ a + b for one example
            a = activations.get(layer.activation).fn(z)
            zs.append(z)
            outputs.append(a)
        return a, Cache(z=tuple(zs), a=tuple(outputs))

    def backward(self, cache: Cache, dL_dout: ArrayLike) -> list[DenseGrads]:
        """Gradients for every layer (index 0 = first layer), given ∂L/∂a[L].

        δ[L] = ∂L/∂a[L] ⊙ g′(z[L]); then for l = L..1: ∂L/∂W[l] = δ[l] a[l−1]ᵀ,
        ∂L/∂b[l] = δ[l], ∂L/∂a[l−1] = W[l]ᵀ δ[l], and δ[l−1] = (W[l]ᵀ δ[l]) ⊙ g′(z[l−1]).
        The first layer's `da_prev` is ∂L/∂x.
        """
        last = len(self.layers) - 1
        delta = output_delta(dL_dout, cache.z[last], self.layers[last].activation)
        grads: list[DenseGrads] = []
        for index in range(last, -1, -1):
            layer, a_prev = self.layers[index], cache.a[index]
            if delta.ndim == 1:
                step = dense_backward(layer.W, a_prev, delta)
            else:
                step = dense_backward_batch(layer.W, a_prev, delta)
            grads.append(step)
            if index > 0:
                below = self.layers[index - 1].activation
                delta = step.da_prev * activations.get(below).derivative(cache.z[index - 1])
        grads.reverse()
        return grads
