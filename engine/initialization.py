"""Weight initialization: gains, fans, Xavier/He/LeCun scales and seeded samplers.

Conventions follow ``torch.nn.init``:

- A dense weight has shape (out, in), so ``W @ x`` maps in → out; a conv weight has
  shape (out, in, kh, kw). fan_in = in · kh · kw, fan_out = out · kh · kw.
- Gains (``calculate_gain``): linear/identity 1, sigmoid 1, tanh 5/3, relu √2,
  leaky_relu √(2 / (1 + slope²)) with slope 0.01 when none is given, selu 3/4.
- Xavier/Glorot: Var(W) = gain² · 2 / (fan_in + fan_out).
- He/Kaiming: Var(W) = gain² / fan, fan = fan_in (mode "fan_in", keeps forward
  activations steady) or fan_out (mode "fan_out", keeps backward gradients steady).
  As in PyTorch the default nonlinearity is leaky_relu with slope a = 0, i.e. gain √2,
  so the default variance is 2 / fan_in.
- LeCun: Var(W) = 1 / fan_in (He with gain 1).
- Normal samplers draw N(0, std²) (not truncated); uniform samplers draw U(−a, a) with
  a = √3 · std, because Var U(−a, a) = a² / 3: both distributions give the same variance.

Samplers take a ``numpy.random.Generator`` and a shape and return float64 arrays.

The second half of the module follows the signal through a deep stack: the closed-form
variance recursion (Var(z_l) = n_{l−1} · Var(w) · E[a_{l−1}²]) and an empirical forward and
backward pass, showing vanishing/exploding scales and the symmetry of constant init.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
FanMode = Literal["fan_in", "fan_out"]

DEFAULT_LEAKY_SLOPE = 0.01
"""calculate_gain('leaky_relu') uses this slope when none is given."""

_UNIT_GAIN = (
    "linear",
    "identity",
    "sigmoid",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation, as torch.nn.init.calculate_gain.

    linear/identity/sigmoid (and conv and transposed-conv layers) → 1, tanh → 5/3, relu → √2,
    leaky_relu → √(2 / (1 + slope²)) where slope = param, default 0.01, selu → 3/4.
    """
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = DEFAULT_LEAKY_SLOPE if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in) or (out, in, *kernel).

    For a conv weight each input connection is a whole receptive field, so both fans are
    multiplied by kh · kw (the product of the kernel dimensions).
    """
    if len(shape) < 2:
        raise ValueError("fans need a weight with at least 2 dimensions (out, in, ...)")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def uniform_bound(std: float) -> float:
    """The a of U(−a, a) whose standard deviation is `std`: a = √3 · std (Var = a²/3)."""
    return math.sqrt(3.0) * std


def _fan(fan_in: int, fan_out: int, mode: FanMode) -> int:
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")


# ---------------------------------------------------------------- Xavier / Glorot


def xavier_variance(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Var(W) = gain² · 2 / (fan_in + fan_out): the compromise between forward and backward."""
    return gain**2 * 2.0 / (fan_in + fan_out)


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """std = gain · √(2 / (fan_in + fan_out)), the std of xavier_normal_."""
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_bound(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """a = gain · √(6 / (fan_in + fan_out)), the bound of xavier_uniform_ (U(−a, a))."""
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def xavier_normal(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> Array:
    """W ~ N(0, xavier_std²) of the given shape, (out, in) or (out, in, kh, kw)."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, xavier_std(fan_in, fan_out, gain), size=shape)


def xavier_uniform(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> Array:
    """W ~ U(−a, a) with a = xavier_bound, same variance as xavier_normal."""
    fan_in, fan_out = fans(shape)
    a = xavier_bound(fan_in, fan_out, gain)
    return rng.uniform(-a, a, size=shape)


# ---------------------------------------------------------------- He / Kaiming


def he_gain(nonlinearity: str = "leaky_relu", a: float = 0.0) -> float:
    """The gain kaiming_* use: calculate_gain(nonlinearity, a); a = 0 by default, so √2."""
    return calculate_gain(nonlinearity, a)


def he_variance(
    fan_in: int,
    fan_out: int,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    a: float = 0.0,
) -> float:
    """Var(W) = gain² / fan (fan chosen by mode); 2 / fan_in with the defaults."""
    return he_gain(nonlinearity, a) ** 2 / _fan(fan_in, fan_out, mode)


def he_std(
    fan_in: int,
    fan_out: int,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    a: float = 0.0,
) -> float:
    """std = gain / √fan, the std of kaiming_normal_."""
    return he_gain(nonlinearity, a) / math.sqrt(_fan(fan_in, fan_out, mode))


def he_bound(
    fan_in: int,
    fan_out: int,
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    a: float = 0.0,
) -> float:
    """a = gain · √(3 / fan), the bound of kaiming_uniform_ (U(−bound, bound))."""
    return he_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(fan_in, fan_out, mode))


def he_normal(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    a: float = 0.0,
) -> Array:
    """W ~ N(0, he_std²) of the given shape."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, he_std(fan_in, fan_out, mode, nonlinearity, a), size=shape)


def he_uniform(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    mode: FanMode = "fan_in",
    nonlinearity: str = "leaky_relu",
    a: float = 0.0,
) -> Array:
    """W ~ U(−bound, bound) with bound = he_bound, same variance as he_normal."""
    fan_in, fan_out = fans(shape)
    bound = he_bound(fan_in, fan_out, mode, nonlinearity, a)
    return rng.uniform(-bound, bound, size=shape)


# ---------------------------------------------------------------- LeCun


def lecun_variance(fan_in: int) -> float:
    """Var(W) = 1 / fan_in (the SELU recommendation; He with gain 1)."""
    return 1.0 / fan_in


def lecun_std(fan_in: int) -> float:
    """std = 1 / √fan_in."""
    return 1.0 / math.sqrt(fan_in)


def lecun_bound(fan_in: int) -> float:
    """a = √(3 / fan_in), the uniform bound with the LeCun variance."""
    return math.sqrt(3.0 / fan_in)


def lecun_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """W ~ N(0, 1 / fan_in) (plain normal, not the truncated one some libraries use)."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, lecun_std(fan_in), size=shape)


def lecun_uniform(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """W ~ U(−a, a) with a = √(3 / fan_in)."""
    fan_in, _ = fans(shape)
    a = lecun_bound(fan_in)
    return rng.uniform(-a, a, size=shape)


# ---------------------------------------------------------------- by name (for drills)


def init_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """The textbook weight variance by scheme name, gain of the scheme's usual activation.

    xavier → 2 / (fan_in + fan_out), he → 2 / fan_in, lecun → 1 / fan_in.
    """
    if scheme == "xavier":
        return xavier_variance(fan_in, fan_out)
    if scheme == "he":
        return he_variance(fan_in, fan_out)
    if scheme == "lecun":
        return lecun_variance(fan_in)
    raise ValueError(f"unknown scheme {scheme!r}; use xavier, he or lecun")


def init_scale(
    scheme: str,
    distribution: str,
    fan_in: int,
    fan_out: int,
    nonlinearity: str,
    mode: FanMode = "fan_in",
    negative_slope: float | None = None,
) -> float:
    """The std (distribution "normal") or the uniform bound ("uniform") PyTorch would use.

    xavier: ``xavier_*_(W, gain=calculate_gain(nonlinearity, negative_slope))``; a missing
    slope means calculate_gain's default 0.01.
    he: ``kaiming_*_(W, a=negative_slope, mode=mode, nonlinearity=nonlinearity)``; a missing
    slope means kaiming's default a = 0.
    """
    if scheme == "xavier":
        std = xavier_std(fan_in, fan_out, calculate_gain(nonlinearity, negative_slope))
    elif scheme == "he":
        a = 0.0 if negative_slope is None else negative_slope
        std = he_std(fan_in, fan_out, mode, nonlinearity, a)
    else:
        raise ValueError(f"unknown scheme {scheme!r}; use xavier or he")
    if distribution == "normal":
        return std
    if distribution == "uniform":
        return uniform_bound(std)
    raise ValueError(f"distribution must be 'normal' or 'uniform', not {distribution!r}")


# ---------------------------------------------------------------- signal propagation
#
# A stack of L bias-free dense layers, widths n_0 (input) … n_L, the activation φ applied
# after every layer:  z_l = a_{l−1} @ W_lᵀ,  a_l = φ(z_l),  W_l of shape (n_l, n_{l−1}).
# With zero-mean weights independent of their inputs,
#     Var(z_l) = n_{l−1} · Var(w_l) · E[a_{l−1}²]
# and E[a²] = Var(z) for linear, Var(z)/2 for ReLU (half the symmetric inputs are zeroed).
# Backward, with g_l = ∂L/∂a_l and δ_l = g_l ⊙ φ′(z_l):
#     E[g_{l−1}²] = n_l · Var(w_l) · E[δ_l²],   E[δ_l²] = E[g_l²] (linear) or E[g_l²]/2 (ReLU).
# So He (Var = 2/n) keeps a ReLU stack's E[a²] constant; smaller shrinks it geometrically
# (vanishing), larger grows it geometrically (exploding).

Propagation = Literal["linear", "relu", "tanh"]

_HALF_OPEN = {"linear": 1.0, "relu": 0.5}
"""E[a²] / Var(z) for a zero-mean symmetric z (and the same factor for E[δ²] / E[g²])."""


def linear_layer_variance(fan_in: int, weight_variance: float, input_second_moment: float) -> float:
    """Var(z) = n_in · Var(w) · E[a²] for z = W a with zero-mean, independent weights."""
    return fan_in * weight_variance * input_second_moment


def _per_layer(weight_variance: float | Sequence[float], layers: int) -> list[float]:
    if not isinstance(weight_variance, (int, float)):
        if len(weight_variance) != layers:
            raise ValueError("need one weight variance per layer")
        return [float(v) for v in weight_variance]
    return [float(weight_variance)] * layers


@dataclass(frozen=True)
class VarianceTrace:
    """Per-layer signal sizes of a stack (all as second moments, i.e. E[·²]).

    preactivation[l−1] = E[z_l²] for l = 1..L (the variance of z_l: it has mean 0);
    activation[l] = E[a_l²] for l = 0..L (a_0 is the input);
    gradient[l] = E[(∂L/∂a_l)²] for l = 0..L (gradient[L] is the upstream one).
    """

    preactivation: Array
    activation: Array
    gradient: Array


def closed_form_variances(
    widths: Sequence[int],
    weight_variance: float | Sequence[float],
    input_variance: float = 1.0,
    activation: Propagation = "linear",
    output_grad_variance: float = 1.0,
) -> VarianceTrace:
    """The mean-field recursion above for a linear or ReLU stack (tanh has no closed form).

    widths = [n_0, …, n_L]; weight_variance is one Var(w) for all layers or one per layer;
    input_variance = E[x²] of the zero-mean input; output_grad_variance = E[(∂L/∂a_L)²].
    """
    if activation not in _HALF_OPEN:
        raise ValueError("closed form only for 'linear' and 'relu' stacks")
    factor = _HALF_OPEN[activation]
    layers = len(widths) - 1
    variances = _per_layer(weight_variance, layers)
    pre = np.zeros(layers)
    act = np.zeros(layers + 1)
    act[0] = input_variance
    for k in range(1, layers + 1):
        pre[k - 1] = linear_layer_variance(widths[k - 1], variances[k - 1], act[k - 1])
        act[k] = factor * pre[k - 1]
    grad = np.zeros(layers + 1)
    grad[layers] = output_grad_variance
    for k in range(layers, 0, -1):
        grad[k - 1] = widths[k] * variances[k - 1] * factor * grad[k]
    return VarianceTrace(pre, act, grad)


def _phi(activation: Propagation, z: Array) -> Array:
    if activation == "linear":
        return z
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(f"unsupported activation {activation!r}")


def _dphi(activation: Propagation, z: Array) -> Array:
    if activation == "linear":
        return np.ones_like(z)
    if activation == "relu":
        return (z > 0).astype(np.float64)  # relu′(0) = 0, as PyTorch
    if activation == "tanh":
        result: Array = 1.0 - np.tanh(z) ** 2
        return result
    raise ValueError(f"unsupported activation {activation!r}")


@dataclass(frozen=True)
class StackPass:
    """Everything one forward and backward pass through a stack produced.

    activations: a_0 (the input) … a_L, each (batch, n_l); preactivations: z_1 … z_L;
    activation_grads: ∂L/∂a_0 … ∂L/∂a_L; weight_grads: ∂L/∂W_1 … ∂L/∂W_L, shapes (n_l, n_{l−1}).
    """

    activations: list[Array]
    preactivations: list[Array]
    activation_grads: list[Array]
    weight_grads: list[Array]


def stack_forward_backward(
    x: Array, weights: Sequence[Array], activation: Propagation, grad_output: Array
) -> StackPass:
    """Run z_l = a_{l−1} @ W_lᵀ, a_l = φ(z_l), then backprop L = Σ a_L ⊙ grad_output.

    x: (batch, n_0); weights[l−1]: (n_l, n_{l−1}); grad_output: (batch, n_L) = ∂L/∂a_L.
    Backward: δ_l = g_l ⊙ φ′(z_l), ∂L/∂W_l = δ_lᵀ a_{l−1}, g_{l−1} = δ_l W_l.
    """
    activations = [np.asarray(x, dtype=np.float64)]
    preactivations: list[Array] = []
    for W in weights:
        z = activations[-1] @ W.T
        preactivations.append(z)
        activations.append(_phi(activation, z))
    grads = [np.asarray(grad_output, dtype=np.float64)]
    weight_grads: list[Array] = []
    layers = zip(weights, preactivations, activations[:-1], strict=True)
    for W, z, a_prev in reversed(list(layers)):
        delta = grads[0] * _dphi(activation, z)
        weight_grads.insert(0, delta.T @ a_prev)
        grads.insert(0, delta @ W)
    return StackPass(activations, preactivations, grads, weight_grads)


def stack_weights(
    rng: np.random.Generator,
    widths: Sequence[int],
    scheme: str,
    std: float | None = None,
    value: float = 0.0,
) -> list[Array]:
    """Weights W_1 … W_L (shapes (n_l, n_{l−1})) for a stack of the given widths.

    scheme: "zeros", "constant" (every entry = value), "normal" (N(0, std²), std given),
    or the normal samplers "xavier", "he" (fan_in, gain √2), "lecun".
    """
    weights: list[Array] = []
    for fan_in, fan_out in itertools.pairwise(widths):
        shape = (fan_out, fan_in)
        if scheme == "zeros":
            weights.append(np.zeros(shape))
        elif scheme == "constant":
            weights.append(np.full(shape, float(value)))
        elif scheme == "normal":
            if std is None:
                raise ValueError("scheme 'normal' needs std")
            weights.append(rng.normal(0.0, std, size=shape))
        elif scheme == "xavier":
            weights.append(xavier_normal(rng, shape))
        elif scheme == "he":
            weights.append(he_normal(rng, shape))
        elif scheme == "lecun":
            weights.append(lecun_normal(rng, shape))
        else:
            raise ValueError(f"unknown scheme {scheme!r}")
    return weights


def empirical_variances(
    rng: np.random.Generator,
    widths: Sequence[int],
    scheme: str,
    activation: Propagation,
    batch: int = 256,
    std: float | None = None,
) -> VarianceTrace:
    """Measure the VarianceTrace of a freshly initialized stack on N(0, 1) data.

    Inputs x and upstream gradients ∂L/∂a_L are standard normal of shapes (batch, n_0) and
    (batch, n_L); each entry of the trace is a mean of squares over batch and units.
    """
    weights = stack_weights(rng, widths, scheme, std)
    x = rng.standard_normal((batch, widths[0]))
    upstream = rng.standard_normal((batch, widths[-1]))
    run = stack_forward_backward(x, weights, activation, upstream)
    return VarianceTrace(
        np.array([np.mean(z**2) for z in run.preactivations]),
        np.array([np.mean(a**2) for a in run.activations]),
        np.array([np.mean(g**2) for g in run.activation_grads]),
    )


def hidden_units_identical(run: StackPass) -> bool:
    """True when, in every hidden layer, all units have equal activations and equal gradients.

    Hidden layers are a_1 … a_{L−1}; a unit's gradient is its row of ∂L/∂W_l. That is the
    symmetry a constant (e.g. zero) initialization can never break: units that start
    equal get equal updates and stay equal. (Output units differ: each has its own target.)
    """
    for a in run.activations[1:-1]:
        if not np.allclose(a, a[:, :1]):
            return False
    return all(np.allclose(dW, dW[:1, :]) for dW in run.weight_grads[:-1])
