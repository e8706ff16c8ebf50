"""Convolution arithmetic, a small 2-D convolution and pooling (forward only), parameter counts.

Conventions are PyTorch's:
- a "convolution" is a cross-correlation: the kernel is not flipped,
  out[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v] · X_pad[c, i·s + u, j·s + v];
- shapes are channels first, without a batch axis: X (C_in, H, W), weight (C_out, C_in, kh, kw),
  bias (C_out,); a 2-D X with a 2-D kernel is the single-channel, single-filter case;
- padding adds zeros on every side; the output size along one axis is
  floor((n + 2p − d·(k − 1) − 1)/s) + 1, which is floor((n − k + 2p)/s) + 1 when dilation d = 1;
- pooling windows have no padding here; the stride defaults to the kernel size
  (torch.nn.MaxPool2d / AvgPool2d), and the output size floors (ceil_mode=False).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Pair = int | tuple[int, int]


def _pair(value: Pair) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


# ---------------------------------------------------------------- sizes


def stride_quotient(n: int, kernel: int, padding: int = 0, stride: int = 1) -> float:
    """(n − kernel + 2·padding)/stride as an exact fraction, before any flooring.

    Its floor is how many whole strides the kernel can take after its first placement.
    """
    return (n - kernel + 2 * padding) / stride


def whole_strides(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """⌊(n − kernel + 2·padding)/stride⌋ in integer arithmetic: the strides that fit completely."""
    span = n - kernel + 2 * padding
    if span < 0:
        raise ValueError(f"kernel {kernel} does not fit in {n} + 2·{padding}")
    return span // stride


def conv_output_size(
    n: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1
) -> int:
    """Output length along one axis: ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1 (torch.nn.Conv2d).

    With dilation 1 this is ⌊(n − k + 2p)/s⌋ + 1: the first placement plus the whole strides.
    """
    effective_kernel = dilation * (kernel - 1) + 1
    return whole_strides(n, effective_kernel, padding, stride) + 1


def output_size_unfloored(n: int, kernel: int, padding: int = 0, stride: int = 1) -> float:
    """(n − kernel + 2·padding)/stride + 1 without the floor: a learner's slip.

    It equals conv_output_size only when the stride divides n − kernel + 2·padding.
    """
    return stride_quotient(n, kernel, padding, stride) + 1.0


def receptive_field(kernels: Sequence[int], strides: Sequence[int] | None = None) -> int:
    """Input pixels one output pixel sees after stacked layers: 1 + Σ_l (k_l − 1)·Π_{i<l} s_i."""
    steps = [1] * len(kernels) if strides is None else list(strides)
    field, jump = 1, 1
    for k, s in zip(kernels, steps, strict=True):
        field += (k - 1) * jump
        jump *= s
    return field


# ---------------------------------------------------------------- convolution


def conv2d(
    X: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
) -> Array:
    """2-D cross-correlation as torch.nn.functional.conv2d, without a batch axis.

    X (C_in, H, W) with weight (C_out, C_in, kh, kw) and bias (C_out,) -> (C_out, H_out, W_out);
    or X (H, W) with weight (kh, kw) and a scalar bias -> (H_out, W_out).
    """
    x = np.asarray(X, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    single = x.ndim == 2
    if single:
        if w.ndim != 2:
            raise ValueError("a 2-D input takes a 2-D kernel")
        x, w = x[None], w[None, None]
    if x.ndim != 3 or w.ndim != 4 or w.shape[1] != x.shape[0]:
        raise ValueError(f"input {x.shape} and weight {w.shape} do not match (C_in differs)")
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    padded = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    windows = sliding_window_view(padded, w.shape[2:], axis=(1, 2))[:, ::sh, ::sw]
    out: Array = np.einsum("chwuv,ocuv->ohw", windows, w)
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64).reshape(-1, 1, 1)
    return out[0] if single else out


# ---------------------------------------------------------------- pooling


def pool_windows(X: ArrayLike, kernel: Pair, stride: Pair | None = None) -> Array:
    """The windows pooling reduces: X (..., H, W) -> (..., H_out, W_out, kh, kw); stride = kernel
    if None."""
    x = np.asarray(X, dtype=np.float64)
    kh, kw = _pair(kernel)
    sh, sw = _pair(kernel if stride is None else stride)
    windows: Array = sliding_window_view(x, (kh, kw), axis=(-2, -1))[..., ::sh, ::sw, :, :]
    return windows


def max_pool2d(X: ArrayLike, kernel: Pair, stride: Pair | None = None) -> Array:
    """The largest entry of each window (torch.nn.MaxPool2d, no padding).
    Shape (..., H_out, W_out)."""
    pooled: Array = pool_windows(X, kernel, stride).max(axis=(-2, -1))
    return pooled


def avg_pool2d(X: ArrayLike, kernel: Pair, stride: Pair | None = None) -> Array:
    """The mean of each window (torch.nn.AvgPool2d, no padding). Shape (..., H_out, W_out)."""
    pooled: Array = pool_windows(X, kernel, stride).mean(axis=(-2, -1))
    return pooled


# ---------------------------------------------------------------- parameter counts


def linear_param_count(n_in: int, n_out: int, bias: bool = True) -> int:
    """A fully connected layer: in·out weights plus out biases."""
    return n_in * n_out + (n_out if bias else 0)


def mlp_param_count(widths: Sequence[int], bias: bool = True) -> int:
    """An MLP given its layer widths [input, hidden..., output]: Σ in·out + out over the layers."""
    return sum(linear_param_count(a, b, bias) for a, b in pairwise(widths))


def conv_param_count(in_channels: int, out_channels: int, kernel: Pair, bias: bool = True) -> int:
    """A Conv2d layer: out·in·kh·kw weights (each filter spans every input channel) + out biases."""
    kh, kw = _pair(kernel)
    return out_channels * in_channels * kh * kw + (out_channels if bias else 0)
