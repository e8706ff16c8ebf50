"""BatchNorm, LayerNorm and RMSNorm with their backward passes (PyTorch conventions).

eps = 1e-5 everywhere by default and always sits INSIDE the square root.

BatchNorm (nn.BatchNorm1d on X of shape (batch, features)): each feature (column) is
normalized with statistics taken down the batch,
    μ = mean_b X,  σ² = mean_b (X − μ)²  (BIASED, divide by batch),
    X̂ = (X − μ) / √(σ² + eps),  Y = γ ⊙ X̂ + β.
Training also updates the running statistics with momentum 0.1,
    running ← (1 − momentum) · running + momentum · batch_stat,
using the UNBIASED variance σ² · n / (n − 1) for running_var; running_mean starts at 0 and
running_var at 1. Evaluation uses the running statistics instead of the batch ones.

LayerNorm (nn.LayerNorm(d) on x of shape (..., d)): each row normalized over its last axis,
biased variance, then γ ⊙ x̂ + β with γ, β of shape (d,).

RMSNorm (nn.RMSNorm(d), eps explicit): no centring, y = x / √(mean(x²) + eps) ⊙ γ.
PyTorch's own default eps for RMSNorm is the dtype's machine epsilon; we use 1e-5 (as
Llama-style models commonly do), still inside the root.

Backward passes take the same inputs as the forward pass plus ∂L/∂Y and recompute the
statistics, so there is no cache object to carry around.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

EPS = 1e-5
MOMENTUM = 0.1


def _as_float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def _affine(x_hat: Array, gamma: ArrayLike | None, beta: ArrayLike | None) -> Array:
    y = x_hat if gamma is None else x_hat * _as_float(gamma)
    return y if beta is None else y + _as_float(beta)


@dataclass(frozen=True)
class Standardization:
    """The intermediate values of x̂ = (x − μ) / √(σ² + eps) along one axis (for showing work).

    mean and var keep the reduced axis (size 1) so they broadcast against x; std is
    √(var + eps), not √var. ddof = 0 (the biased variance) is what LayerNorm and
    BatchNorm use; ddof = 1 (Bessel's correction) is the common slip.
    """

    mean: Array
    centered: Array
    var: Array
    std: Array
    x_hat: Array


def standardize_with(
    x: ArrayLike, mean: ArrayLike, var: ArrayLike, eps: float = EPS
) -> Standardization:
    """Standardize with given statistics (e.g. BatchNorm's running ones): every step shown."""
    v = _as_float(x)
    m = _as_float(mean)
    s2 = _as_float(var)
    centered = v - m
    std = np.sqrt(s2 + eps)
    return Standardization(m, centered, s2, std, centered / std)


def standardize(x: ArrayLike, axis: int = -1, eps: float = EPS, ddof: int = 0) -> Standardization:
    """Every step of standardizing x along `axis`: μ, x − μ, σ², √(σ² + eps), x̂."""
    v = _as_float(x)
    mean = np.mean(v, axis=axis, keepdims=True)
    var = np.sum((v - mean) ** 2, axis=axis, keepdims=True) / (v.shape[axis] - ddof)
    return standardize_with(v, mean, var, eps)


def backward_terms(grad_xhat: ArrayLike, x_hat: ArrayLike, axis: int = -1) -> tuple[Array, Array]:
    """mean(g) and mean(g ⊙ x̂) along `axis` (kept, size 1): the two corrections in ∂L/∂x.

    They are the parts of the gradient that flow back through μ and through σ².
    """
    g = _as_float(grad_xhat)
    return (
        np.mean(g, axis=axis, keepdims=True),
        np.mean(g * _as_float(x_hat), axis=axis, keepdims=True),
    )


def _centred_backward(grad_xhat: Array, x_hat: Array, std: Array, axis: int) -> Array:
    """∂L/∂x for x̂ = (x − mean) / std taken along `axis` with the biased variance.

    ∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / std, g = ∂L/∂x̂, means along `axis`.
    """
    mean_g, mean_gx = backward_terms(grad_xhat, x_hat, axis)
    result: Array = (grad_xhat - mean_g - x_hat * mean_gx) / std
    return result


# ---------------------------------------------------------------- BatchNorm


def _check_batch(X: Array) -> None:
    if X.ndim != 2:
        raise ValueError(f"batch norm expects X of shape (batch, features), got {X.shape}")


def batch_mean_var(X: ArrayLike) -> tuple[Array, Array]:
    """Per-feature batch mean and BIASED variance of X (batch, features). Shapes (features,)."""
    x = _as_float(X)
    _check_batch(x)
    parts = standardize(x, axis=0)
    mean: Array = parts.mean[0]
    var: Array = parts.var[0]
    return mean, var


def unbiased_variance(X: ArrayLike) -> Array:
    """Per-feature variance with Bessel's correction, σ² · n / (n − 1); needs batch ≥ 2."""
    x = _as_float(X)
    _check_batch(x)
    if x.shape[0] < 2:
        raise ValueError("the unbiased variance needs at least 2 samples per feature")
    result: Array = standardize(x, axis=0, ddof=1).var[0]
    return result


def batch_normalize(X: ArrayLike, eps: float = EPS) -> Array:
    """X̂ = (X − μ) / √(σ² + eps), columns standardized with batch mean and biased variance."""
    x = _as_float(X)
    _check_batch(x)
    return standardize(x, axis=0, eps=eps).x_hat


def batch_norm_train(
    X: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None, eps: float = EPS
) -> Array:
    """Training-mode forward: γ ⊙ X̂ + β with batch statistics. X (batch, features) → same shape.

    γ defaults to ones and β to zeros (PyTorch's initial values).
    """
    return _affine(batch_normalize(X, eps), gamma, beta)


def batch_norm_eval(
    X: ArrayLike,
    running_mean: ArrayLike,
    running_var: ArrayLike,
    gamma: ArrayLike | None = None,
    beta: ArrayLike | None = None,
    eps: float = EPS,
) -> Array:
    """Eval-mode forward: γ ⊙ (X − running_mean) / √(running_var + eps) + β.

    Works for one sample (shape (features,)) or a batch (batch, features).
    """
    return _affine(standardize_with(X, running_mean, running_var, eps).x_hat, gamma, beta)


def batch_norm_eval_backward(
    grad_Y: ArrayLike, running_var: ArrayLike, gamma: ArrayLike | None = None, eps: float = EPS
) -> Array:
    """∂L/∂X in eval mode: the statistics are constants, so it is γ ⊙ ∂L/∂Y / √(running_var + eps).

    (Using this in training mode, or for LayerNorm, is the slip of forgetting that the mean
    and variance depend on x.)
    """
    g = _as_float(grad_Y)
    if gamma is not None:
        g = g * _as_float(gamma)
    result: Array = g / np.sqrt(_as_float(running_var) + eps)
    return result


def update_running_mean(running_mean: ArrayLike, X: ArrayLike, momentum: float = MOMENTUM) -> Array:
    """running_mean ← (1 − momentum) · running_mean + momentum · batch mean. Shape (features,)."""
    mu, _ = batch_mean_var(X)
    result: Array = (1.0 - momentum) * _as_float(running_mean) + momentum * mu
    return result


def update_running_var(
    running_var: ArrayLike, X: ArrayLike, momentum: float = MOMENTUM, unbiased: bool = True
) -> Array:
    """running_var ← (1 − momentum) · running_var + momentum · batch variance.

    PyTorch uses the UNBIASED batch variance here (unbiased=True) even though the forward
    pass normalizes with the biased one; unbiased=False shows the common slip.
    """
    batch_var = unbiased_variance(X) if unbiased else batch_mean_var(X)[1]
    result: Array = (1.0 - momentum) * _as_float(running_var) + momentum * batch_var
    return result


def update_running_stats(
    running_mean: ArrayLike, running_var: ArrayLike, X: ArrayLike, momentum: float = MOMENTUM
) -> tuple[Array, Array]:
    """One training step's update of both running statistics (mean, unbiased variance)."""
    return (
        update_running_mean(running_mean, X, momentum),
        update_running_var(running_var, X, momentum),
    )


def batch_norm_backward(
    grad_Y: ArrayLike, X: ArrayLike, gamma: ArrayLike | None = None, eps: float = EPS
) -> tuple[Array, Array, Array]:
    """Training-mode backward. Returns (∂L/∂X, ∂L/∂γ, ∂L/∂β), shapes (batch, f), (f,), (f,).

    ∂L/∂β = Σ_b ∂L/∂Y, ∂L/∂γ = Σ_b ∂L/∂Y ⊙ X̂, and ∂L/∂X flows through both the direct path
    and the batch mean and variance (every sample influences every other's normalization).
    """
    x = _as_float(X)
    _check_batch(x)
    g = _as_float(grad_Y)
    parts = standardize(x, axis=0, eps=eps)
    grad_xhat = g if gamma is None else g * _as_float(gamma)
    dX = _centred_backward(grad_xhat, parts.x_hat, parts.std, axis=0)
    return dX, np.sum(g * parts.x_hat, axis=0), np.sum(g, axis=0)


@dataclass
class BatchNorm1d:
    """A stateful BatchNorm layer over features on the last axis of X (batch, features).

    Starts like torch.nn.BatchNorm1d: γ = 1, β = 0, running_mean = 0, running_var = 1,
    momentum 0.1, eps 1e-5, training mode on.
    """

    num_features: int
    eps: float = EPS
    momentum: float = MOMENTUM
    training: bool = True
    gamma: Array = field(init=False)
    beta: Array = field(init=False)
    running_mean: Array = field(init=False)
    running_var: Array = field(init=False)

    def __post_init__(self) -> None:
        self.gamma = np.ones(self.num_features)
        self.beta = np.zeros(self.num_features)
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, X: ArrayLike) -> Array:
        """Batch statistics (and a running-stat update) in training; running ones in eval."""
        if not self.training:
            return batch_norm_eval(
                X, self.running_mean, self.running_var, self.gamma, self.beta, self.eps
            )
        out = batch_norm_train(X, self.gamma, self.beta, self.eps)
        self.running_mean, self.running_var = update_running_stats(
            self.running_mean, self.running_var, X, self.momentum
        )
        return out

    def backward(self, grad_Y: ArrayLike, X: ArrayLike) -> tuple[Array, Array, Array]:
        """(∂L/∂X, ∂L/∂γ, ∂L/∂β) of the training-mode forward at X."""
        return batch_norm_backward(grad_Y, X, self.gamma, self.eps)


# ---------------------------------------------------------------- LayerNorm


def layer_normalize(x: ArrayLike, eps: float = EPS) -> Array:
    """x̂ = (x − mean) / √(var + eps) over the last axis, biased variance. Shape kept."""
    return standardize(x, axis=-1, eps=eps).x_hat


def layer_norm(
    x: ArrayLike, gamma: ArrayLike | None = None, beta: ArrayLike | None = None, eps: float = EPS
) -> Array:
    """γ ⊙ x̂ + β. x (..., d); γ, β (d,), defaulting to ones and zeros."""
    return _affine(layer_normalize(x, eps), gamma, beta)


def layer_norm_backward(
    grad_y: ArrayLike, x: ArrayLike, gamma: ArrayLike | None = None, eps: float = EPS
) -> tuple[Array, Array, Array]:
    """Returns (∂L/∂x, ∂L/∂γ, ∂L/∂β); shapes (..., d), (d,), (d,).

    With g = ∂L/∂y ⊙ γ: ∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / √(var + eps), means
    over the last axis; ∂L/∂γ and ∂L/∂β sum over every leading axis.
    """
    g = _as_float(grad_y)
    parts = standardize(x, axis=-1, eps=eps)
    grad_xhat = g if gamma is None else g * _as_float(gamma)
    dx = _centred_backward(grad_xhat, parts.x_hat, parts.std, axis=-1)
    lead = tuple(range(g.ndim - 1))
    return dx, np.sum(g * parts.x_hat, axis=lead), np.sum(g, axis=lead)


# ---------------------------------------------------------------- RMSNorm


def mean_square(x: ArrayLike) -> Array:
    """mean(x²) over the last axis, kept with size 1."""
    result: Array = np.mean(_as_float(x) ** 2, axis=-1, keepdims=True)
    return result


def rms(x: ArrayLike, eps: float = EPS) -> Array:
    """√(mean(x²) + eps) over the last axis, keeping that axis (size 1) for broadcasting."""
    result: Array = np.sqrt(mean_square(x) + eps)
    return result


def rms_norm(x: ArrayLike, gamma: ArrayLike | None = None, eps: float = EPS) -> Array:
    """y = x / √(mean(x²) + eps) ⊙ γ over the last axis; no mean subtraction, no β."""
    v = _as_float(x)
    y = v / rms(v, eps)
    if gamma is not None:
        y = y * _as_float(gamma)
    return y


def rms_norm_backward(
    grad_y: ArrayLike, x: ArrayLike, gamma: ArrayLike | None = None, eps: float = EPS
) -> tuple[Array, Array]:
    """Returns (∂L/∂x, ∂L/∂γ); shapes (..., d) and (d,).

    With r = 1/√(mean(x²) + eps) and g = ∂L/∂y ⊙ γ: ∂L/∂x = r·g − x · r³ · mean(g ⊙ x).
    """
    v = _as_float(x)
    g_out = _as_float(grad_y)
    r = 1.0 / rms(v, eps)
    g = g_out if gamma is None else g_out * _as_float(gamma)
    dx: Array = r * g - v * r**3 * np.mean(g * v, axis=-1, keepdims=True)
    lead = tuple(range(v.ndim - 1))
    return dx, np.sum(g_out * v * r, axis=lead)
