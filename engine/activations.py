"""Elementwise activation functions φ and their derivatives φ′, float64, any shape.

Every function takes an array-like z (a scalar gives a 0-d array; wrap it in float()) and
returns an array of the same shape. Derivatives are named ``d_<name>`` and are taken with
respect to the pre-activation z, so backprop reads δ = upstream ⊙ d_φ(z).

Conventions (PyTorch's defaults, so answers match what a learner would get from torch):

- relu′(0) = 0: PyTorch's autograd uses the subgradient 0 at the kink.
- leaky_relu slope 0.01 for z ≤ 0 (``negative_slope=0.01``); its derivative at 0 is 0.01.
- elu α = 1: α(eᶻ − 1) for z ≤ 0; its derivative at 0 is α·e⁰ = 1.
- gelu is exact: z·Φ(z), with Φ the standard normal CDF (``approximate='none'``);
  gelu_tanh is the tanh approximation (``approximate='tanh'``).
- swish is x·σ(x) with β = 1 (``nn.SiLU``); "silu" is accepted as a name for it.
- softplus is log(1 + eᶻ) with β = 1, computed exactly (no linear cut-off at z > 20).

NumPy has no erf and the engine does not import SciPy, so Φ uses ``math.erf`` elementwise
(correct to float64 rounding).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Elementwise = Callable[[ArrayLike], Array]

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_CUBIC = 0.044715

_erf_object = np.frompyfunc(math.erf, 1, 1)


def _as_float(z: ArrayLike) -> Array:
    return np.asarray(z, dtype=np.float64)


def erf(z: ArrayLike) -> Array:
    """The error function, elementwise via math.erf (float64-accurate). Same shape as z."""
    values = _as_float(z)
    result: Array = np.asarray(_erf_object(values), dtype=np.float64).reshape(values.shape)
    return result


def normal_cdf(z: ArrayLike) -> Array:
    """Φ(z) = ½(1 + erf(z/√2)), the standard normal CDF."""
    result: Array = 0.5 * (1.0 + erf(_as_float(z) / _SQRT_2))
    return result


def normal_pdf(z: ArrayLike) -> Array:
    """φ_N(z) = e^(−z²/2)/√(2π), the standard normal density (Φ′)."""
    values = _as_float(z)
    result: Array = _INV_SQRT_2PI * np.exp(-0.5 * values * values)
    return result


# ---------------------------------------------------------------- sigmoid family


def sigmoid(z: ArrayLike) -> Array:
    """σ(z) = 1/(1 + e^(−z)), range (0, 1).

    Stable for any |z|: e^(−|z|) never overflows, and the two algebraically equal forms
    1/(1 + e^(−z)) for z ≥ 0 and e^z/(1 + e^z) for z < 0 are chosen by sign, so
    σ(−1000) is 0.0 and σ(1000) is 1.0 with no warning.
    """
    values = _as_float(z)
    small = np.exp(-np.abs(values))
    result: Array = np.where(values >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
    return result


def d_sigmoid(z: ArrayLike) -> Array:
    """σ′(z) = σ(z)(1 − σ(z)); at most 0.25 (at z = 0), the root of vanishing gradients."""
    s = sigmoid(z)
    result: Array = s * (1.0 - s)
    return result


def tanh(z: ArrayLike) -> Array:
    """tanh(z) = (eᶻ − e^(−z))/(eᶻ + e^(−z)), range (−1, 1), zero-centred."""
    result: Array = np.tanh(_as_float(z))
    return result


def d_tanh(z: ArrayLike) -> Array:
    """tanh′(z) = 1 − tanh²(z); at most 1 (at z = 0)."""
    t = np.tanh(_as_float(z))
    result: Array = 1.0 - t * t
    return result


def swish(z: ArrayLike) -> Array:
    """swish(z) = SiLU(z) = z·σ(z) (β = 1), range about [−0.278, ∞)."""
    values = _as_float(z)
    result: Array = values * sigmoid(values)
    return result


def d_swish(z: ArrayLike) -> Array:
    """swish′(z) = σ(z) + z·σ(z)(1 − σ(z)) = σ(z)(1 + z(1 − σ(z)))."""
    values = _as_float(z)
    s = sigmoid(values)
    result: Array = s * (1.0 + values * (1.0 - s))
    return result


def softplus(z: ArrayLike) -> Array:
    """softplus(z) = log(1 + eᶻ), a smooth ReLU, range (0, ∞). Stable via logaddexp(0, z)."""
    result: Array = np.logaddexp(0.0, _as_float(z))
    return result


def d_softplus(z: ArrayLike) -> Array:
    """softplus′(z) = σ(z)."""
    return sigmoid(z)


# ---------------------------------------------------------------- rectifiers


def relu(z: ArrayLike) -> Array:
    """ReLU(z) = max(0, z), range [0, ∞)."""
    result: Array = np.maximum(_as_float(z), 0.0)
    return result


def d_relu(z: ArrayLike) -> Array:
    """ReLU′(z) = 1 for z > 0, else 0. At the kink z = 0 we use 0, as PyTorch does."""
    result: Array = (_as_float(z) > 0).astype(np.float64)
    return result


def leaky_relu(z: ArrayLike) -> Array:
    """LeakyReLU(z) = z for z > 0, else 0.01·z (PyTorch's default slope), range (−∞, ∞)."""
    values = _as_float(z)
    result: Array = np.where(values > 0, values, LEAKY_SLOPE * values)
    return result


def d_leaky_relu(z: ArrayLike) -> Array:
    """LeakyReLU′(z) = 1 for z > 0, else 0.01 (so 0.01 at z = 0, as in PyTorch)."""
    result: Array = np.where(_as_float(z) > 0, 1.0, LEAKY_SLOPE)
    return result


def elu(z: ArrayLike) -> Array:
    """ELU(z) = z for z > 0, else α(eᶻ − 1) with α = 1; range (−α, ∞).

    expm1 of min(z, 0) keeps the unused branch from overflowing for large positive z.
    """
    values = _as_float(z)
    result: Array = np.where(values > 0, values, ELU_ALPHA * np.expm1(np.minimum(values, 0.0)))
    return result


def d_elu(z: ArrayLike) -> Array:
    """ELU′(z) = 1 for z > 0, else α·eᶻ (= ELU(z) + α); both sides give 1 at z = 0 for α = 1."""
    values = _as_float(z)
    result: Array = np.where(values > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(values, 0.0)))
    return result


# ---------------------------------------------------------------- GELU


def gelu(z: ArrayLike) -> Array:
    """GELU(z) = z·Φ(z), exact (Φ = standard normal CDF); minimum about −0.17 near z = −0.75."""
    values = _as_float(z)
    result: Array = values * normal_cdf(values)
    return result


def d_gelu(z: ArrayLike) -> Array:
    """GELU′(z) = Φ(z) + z·φ_N(z), with φ_N the standard normal density."""
    values = _as_float(z)
    result: Array = normal_cdf(values) + values * normal_pdf(values)
    return result


def _gelu_tanh_inner(values: Array) -> Array:
    result: Array = _SQRT_2_OVER_PI * (values + _GELU_TANH_CUBIC * values**3)
    return result


def gelu_tanh(z: ArrayLike) -> Array:
    """GELU, tanh approximation: ½z(1 + tanh(√(2/π)(z + 0.044715 z³)))."""
    values = _as_float(z)
    result: Array = 0.5 * values * (1.0 + np.tanh(_gelu_tanh_inner(values)))
    return result


def d_gelu_tanh(z: ArrayLike) -> Array:
    """Derivative of the tanh approximation, u = √(2/π)(z + 0.044715 z³), t = tanh(u):

    ½(1 + t) + ½z(1 − t²)·√(2/π)(1 + 3·0.044715 z²).
    """
    values = _as_float(z)
    t = np.tanh(_gelu_tanh_inner(values))
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_CUBIC * values**2)
    result: Array = 0.5 * (1.0 + t) + 0.5 * values * (1.0 - t * t) * du
    return result


# ---------------------------------------------------------------- identity


def linear(z: ArrayLike) -> Array:
    """The identity, for linear (regression) outputs and as a 'no activation' placeholder."""
    result: Array = np.array(_as_float(z), copy=True)
    return result


def d_linear(z: ArrayLike) -> Array:
    """Identity′ = 1 everywhere."""
    result: Array = np.ones_like(_as_float(z))
    return result


# ---------------------------------------------------------------- lookup by name


@dataclass(frozen=True)
class Activation:
    """An activation by name: φ, φ′, its output range and both formulas as text for worked steps."""

    name: str
    fn: Elementwise
    derivative: Elementwise
    output_range: str
    formula: str
    derivative_formula: str


_TABLE: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            sigmoid,
            d_sigmoid,
            "(0, 1)",
            "σ(z) = 1/(1 + e^(−z))",
            "σ′(z) = σ(z)(1 − σ(z))",
        ),
        Activation(
            "tanh",
            tanh,
            d_tanh,
            "(−1, 1)",
            "tanh(z) = (e^z − e^(−z))/(e^z + e^(−z))",
            "tanh′(z) = 1 − tanh²(z)",
        ),
        Activation(
            "relu",
            relu,
            d_relu,
            "[0, ∞)",
            "ReLU(z) = max(0, z)",
            "ReLU′(z) = 1 if z > 0 else 0 (0 at z = 0)",
        ),
        Activation(
            "leaky_relu",
            leaky_relu,
            d_leaky_relu,
            "(−∞, ∞)",
            "LeakyReLU(z) = z if z > 0 else 0.01·z",
            "LeakyReLU′(z) = 1 if z > 0 else 0.01",
        ),
        Activation(
            "elu",
            elu,
            d_elu,
            "(−1, ∞)",
            "ELU(z) = z if z > 0 else e^z − 1 (α = 1)",
            "ELU′(z) = 1 if z > 0 else e^z",
        ),
        Activation(
            "gelu",
            gelu,
            d_gelu,
            "[≈ −0.17, ∞)",
            "GELU(z) = z·Φ(z), Φ(z) = ½(1 + erf(z/√2))",
            "GELU′(z) = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)",
        ),
        Activation(
            "gelu_tanh",
            gelu_tanh,
            d_gelu_tanh,
            "[≈ −0.17, ∞)",
            "GELU_tanh(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³)))",
            "½(1 + t) + ½z(1 − t²)·√(2/π)(1 + 0.134145z²), t = tanh(√(2/π)(z + 0.044715z³))",
        ),
        Activation(
            "swish",
            swish,
            d_swish,
            "[≈ −0.278, ∞)",
            "swish(z) = z·σ(z)",
            "swish′(z) = σ(z)(1 + z(1 − σ(z)))",
        ),
        Activation(
            "softplus",
            softplus,
            d_softplus,
            "(0, ∞)",
            "softplus(z) = ln(1 + e^z)",
            "softplus′(z) = σ(z)",
        ),
        Activation("linear", linear, d_linear, "(−∞, ∞)", "linear(z) = z", "linear′(z) = 1"),
    )
}

_ALIASES = {"silu": "swish", "identity": "linear", "logistic": "sigmoid"}

NAMES: tuple[str, ...] = tuple(_TABLE)
"""The canonical names `get` knows (aliases silu, identity, logistic map onto them)."""


def get(name: str) -> Activation:
    """The activation called `name` (case-insensitive; silu → swish, identity → linear).

    Raises KeyError listing the valid names for anything else.
    """
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _TABLE:
        raise KeyError(f"unknown activation {name!r}; known: {', '.join(NAMES)}")
    return _TABLE[key]
