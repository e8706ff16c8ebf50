"""Optimizer update rules as pure functions: one step on arrays, in torch.optim's conventions.

A full step takes the parameters θ, the gradient g and the optimizer's state and returns
``(new θ, new state)``; nothing is modified in place. Parameters may be scalars or arrays of
any shape, and every state array has the shape of θ. The small building blocks (momentum
buffer, moving averages, bias correction, the adaptive step) are public too, so that a
worked solution can show each intermediate value.

The rules, as torch.optim writes them (single-tensor path; no foreach/fused, no amsgrad,
no maximize, no ``centered`` RMSprop, no AdaGrad ``lr_decay``):

    SGD       g ← g + λθ (weight decay is L2 through the gradient);  θ ← θ − lr·g
    momentum  b ← g on the very first step, else b ← μ·b + (1 − dampening)·g;  θ ← θ − lr·b
    Nesterov  the same b, then θ ← θ − lr·(g + μ·b)
    AdaGrad   G ← G + g²;  θ ← θ − lr·g / (√G + eps),  eps = 1e-10
    RMSprop   v ← α·v + (1 − α)·g²;  θ ← θ − lr·g / (√v + eps),  α = 0.99, eps = 1e-8 outside √
    Adam      m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
              m̂ = m / (1 − β1^t);  v̂ = v / (1 − β2^t);  θ ← θ − lr·m̂ / (√v̂ + eps)
              t is the number of the step being taken (1 on the first); eps comes after the
              bias correction. Adam's own ``weight_decay`` is L2 added to g.
    AdamW     θ ← θ − lr·λ·θ (decoupled: never touches m or v), then the Adam step with raw g
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def as_array(x: ArrayLike) -> Array:
    """Float64 view of a scalar or array (a scalar becomes a 0-d array)."""
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- states


@dataclass(frozen=True)
class MomentumState:
    """PyTorch's ``momentum_buffer`` b, shape of θ; None until the first step fills it with g.

    With dampening 0 an empty buffer and a zero buffer give the same step (μ·0 + g = g); they
    differ only when dampening > 0, because the first step never dampens.
    """

    buffer: Array | None = None


@dataclass(frozen=True)
class AdaGradState:
    """G, the running sum of squared gradients (PyTorch's ``sum``), zeros at the start."""

    sum_sq: Array

    @classmethod
    def start(cls, theta: ArrayLike) -> AdaGradState:
        return cls(np.zeros_like(as_array(theta)))


@dataclass(frozen=True)
class RMSpropState:
    """v, the moving average of squared gradients (PyTorch's ``square_avg``), zeros at the start."""

    square_avg: Array

    @classmethod
    def start(cls, theta: ArrayLike) -> RMSpropState:
        return cls(np.zeros_like(as_array(theta)))


@dataclass(frozen=True)
class AdamState:
    """Adam's moments m, v (shape of θ) and ``step``, the number of steps already taken.

    The step being taken is ``step + 1``: that t is the exponent in the bias correction.
    """

    m: Array
    v: Array
    step: int = 0

    @classmethod
    def start(cls, theta: ArrayLike) -> AdamState:
        zeros = np.zeros_like(as_array(theta))
        return cls(zeros, zeros.copy(), 0)


# ---------------------------------------------------------------- building blocks


def with_weight_decay(grad: ArrayLike, theta: ArrayLike, weight_decay: float) -> Array:
    """L2 regularization through the gradient: g + λ·θ (the gradient of L + λ/2·‖θ‖²)."""
    return as_array(as_array(grad) + weight_decay * as_array(theta))


def momentum_buffer(
    buffer: ArrayLike | None, grad: ArrayLike, momentum: float, dampening: float = 0.0
) -> Array:
    """PyTorch's buffer update: g itself when the buffer is empty, else μ·b + (1 − dampening)·g.

    Some texts write the velocity as the average μ·v + (1 − μ)·g: that is dampening = μ.
    """
    g = as_array(grad)
    if buffer is None:
        return g.copy()
    return as_array(momentum * as_array(buffer) + (1.0 - dampening) * g)


def nesterov_direction(grad: ArrayLike, buffer: ArrayLike, momentum: float) -> Array:
    """The look-ahead direction of PyTorch's Nesterov: g + μ·b, with b already updated."""
    return as_array(as_array(grad) + momentum * as_array(buffer))


def moving_average(average: ArrayLike, value: ArrayLike, decay: float) -> Array:
    """Exponential moving average: decay·average + (1 − decay)·value."""
    return as_array(decay * as_array(average) + (1.0 - decay) * as_array(value))


def first_moment(m: ArrayLike, grad: ArrayLike, beta1: float) -> Array:
    """Adam's m ← β1·m + (1 − β1)·g."""
    return moving_average(m, grad, beta1)


def second_moment(v: ArrayLike, grad: ArrayLike, beta2: float) -> Array:
    """v ← β2·v + (1 − β2)·g², elementwise (Adam with β2, RMSprop with α)."""
    return moving_average(v, np.square(as_array(grad)), beta2)


def accumulate_squares(sum_sq: ArrayLike, grad: ArrayLike) -> Array:
    """AdaGrad's G ← G + g², elementwise."""
    return as_array(as_array(sum_sq) + np.square(as_array(grad)))


def bias_corrected(moment: ArrayLike, beta: float, t: int) -> Array:
    """moment / (1 − β^t): undoes the pull toward the zero start. t ≥ 1 is the step being taken."""
    if t < 1:
        raise ValueError("the step being taken counts from 1")
    return as_array(as_array(moment) / (1.0 - beta**t))


def adaptive_direction(numerator: ArrayLike, second: ArrayLike, eps: float) -> Array:
    """numerator / (√second + eps), elementwise; eps outside the square root, as PyTorch."""
    return as_array(as_array(numerator) / (np.sqrt(as_array(second)) + eps))


def adaptive_update(
    theta: ArrayLike, numerator: ArrayLike, second: ArrayLike, lr: float, eps: float
) -> Array:
    """θ − lr·numerator / (√second + eps): the last line of AdaGrad, RMSprop and Adam."""
    return as_array(as_array(theta) - lr * adaptive_direction(numerator, second, eps))


def decoupled_decay(theta: ArrayLike, lr: float, weight_decay: float) -> Array:
    """AdamW's shrink θ − lr·λ·θ, applied to the weights directly rather than through g."""
    t = as_array(theta)
    return as_array(t - lr * weight_decay * t)


# ---------------------------------------------------------------- full steps


def sgd(theta: ArrayLike, grad: ArrayLike, lr: float, weight_decay: float = 0.0) -> Array:
    """Plain SGD, which keeps no state: θ − lr·(g + λθ). Returns the new θ."""
    g = with_weight_decay(grad, theta, weight_decay)
    return as_array(as_array(theta) - lr * g)


def sgd_momentum(
    theta: ArrayLike,
    grad: ArrayLike,
    state: MomentumState,
    lr: float,
    momentum: float,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> tuple[Array, MomentumState]:
    """torch.optim.SGD with momentum: b ← μ·b + (1 − dampening)·g (b ← g at first); θ ← θ − lr·b.

    With ``nesterov`` the step uses g + μ·b instead of b; PyTorch allows that only with
    dampening 0, and so do we.
    """
    if nesterov and dampening != 0.0:
        raise ValueError("Nesterov momentum requires dampening = 0 (as in PyTorch)")
    g = with_weight_decay(grad, theta, weight_decay)
    b = momentum_buffer(state.buffer, g, momentum, dampening)
    direction = nesterov_direction(g, b, momentum) if nesterov else b
    return sgd(theta, direction, lr), MomentumState(b)


def nesterov(
    theta: ArrayLike,
    grad: ArrayLike,
    state: MomentumState,
    lr: float,
    momentum: float,
    weight_decay: float = 0.0,
) -> tuple[Array, MomentumState]:
    """PyTorch's Nesterov SGD: b ← μ·b + g (b ← g at first); θ ← θ − lr·(g + μ·b)."""
    return sgd_momentum(theta, grad, state, lr, momentum, weight_decay=weight_decay, nesterov=True)


def adagrad(
    theta: ArrayLike,
    grad: ArrayLike,
    state: AdaGradState,
    lr: float = 0.01,
    eps: float = 1e-10,
    weight_decay: float = 0.0,
) -> tuple[Array, AdaGradState]:
    """torch.optim.Adagrad: G ← G + g²; θ ← θ − lr·g / (√G + eps). The step shrinks as G grows."""
    g = with_weight_decay(grad, theta, weight_decay)
    sum_sq = accumulate_squares(state.sum_sq, g)
    return adaptive_update(theta, g, sum_sq, lr, eps), AdaGradState(sum_sq)


def rmsprop(
    theta: ArrayLike,
    grad: ArrayLike,
    state: RMSpropState,
    lr: float = 0.01,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[Array, RMSpropState]:
    """torch.optim.RMSprop: v ← α·v + (1 − α)·g²; θ ← θ − lr·g / (√v + eps)."""
    g = with_weight_decay(grad, theta, weight_decay)
    square_avg = second_moment(state.square_avg, g, alpha)
    return adaptive_update(theta, g, square_avg, lr, eps), RMSpropState(square_avg)


def adam(
    theta: ArrayLike,
    grad: ArrayLike,
    state: AdamState,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[Array, AdamState]:
    """torch.optim.Adam, step t = state.step + 1: moments, bias correction, θ − lr·m̂/(√v̂ + eps).

    ``weight_decay`` here is the coupled L2 of torch.optim.Adam (λθ added to g, so it passes
    through the moments and gets divided by √v̂); for decoupled decay use ``adamw``.
    """
    t = state.step + 1
    g = with_weight_decay(grad, theta, weight_decay)
    m = first_moment(state.m, g, beta1)
    v = second_moment(state.v, g, beta2)
    m_hat = bias_corrected(m, beta1, t)
    v_hat = bias_corrected(v, beta2, t)
    return adaptive_update(theta, m_hat, v_hat, lr, eps), AdamState(m, v, t)


def adamw(
    theta: ArrayLike,
    grad: ArrayLike,
    state: AdamState,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
) -> tuple[Array, AdamState]:
    """torch.optim.AdamW: θ ← θ − lr·λ·θ, then the Adam step computed from the raw gradient.

    The Adam part does not depend on θ, so decaying first or alongside gives the same θ.
    """
    shrunk = decoupled_decay(theta, lr, weight_decay)
    return adam(shrunk, grad, state, lr, beta1, beta2, eps)


def adam_without_bias_correction(
    theta: ArrayLike,
    grad: ArrayLike,
    state: AdamState,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Array, AdamState]:
    """A learner's slip, not an optimizer to train with: θ − lr·m/(√v + eps), m and v uncorrected.

    On the first step from zero moments this moves θ by about lr·(1 − β1)/√(1 − β2), which is
    3.16·lr with the defaults, instead of Adam's lr.
    """
    m = first_moment(state.m, grad, beta1)
    v = second_moment(state.v, grad, beta2)
    return adaptive_update(theta, m, v, lr, eps), AdamState(m, v, state.step + 1)
