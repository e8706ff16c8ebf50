"""Scaled dot-product attention, causal masking, multi-head attention, sinusoidal positions.

Rows are positions. Q has shape (n_q, d_k), K (n_k, d_k), V (n_k, d_v); extra leading
axes (batch, heads) are carried along. The weights A = softmax(Q·Kᵀ/√d_k) have shape
(n_q, n_k), one row per query, softmax over each row so every row sums to 1; the output
A·V has shape (n_q, d_v): row i is the weight-averaged values that query i collects.

Masks follow PyTorch's boolean ``attn_mask``: True means "may attend". A masked score is
set to −inf before the softmax, so its weight is exactly 0. The causal mask lets position
i attend to j ≤ i (lower triangle, aligned at the top-left as ``is_causal`` does).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.softmax import softmax

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]


class Attention(NamedTuple):
    """What attention returns: the weights (..., n_q, n_k) and the output (..., n_q, d_v)."""

    weights: Array
    output: Array


def attention_scale(d_k: int) -> float:
    """The default score scale 1/√d_k: keeps dot products of d_k-long vectors near unit size."""
    return 1.0 / math.sqrt(d_k)


def attention_scores(Q: ArrayLike, K: ArrayLike, scale: float | None = None) -> Array:
    """Q·Kᵀ·scale, shape (..., n_q, n_k); scale defaults to 1/√d_k (PyTorch's ``scale=None``)."""
    q = np.asarray(Q, dtype=np.float64)
    k = np.asarray(K, dtype=np.float64)
    factor = attention_scale(q.shape[-1]) if scale is None else scale
    scores: Array = (q @ np.swapaxes(k, -1, -2)) * factor
    return scores


def causal_mask(n_q: int, n_k: int | None = None) -> Mask:
    """Boolean (n_q, n_k) mask, True where key j ≤ query i: each position sees only its past."""
    return np.tri(n_q, n_q if n_k is None else n_k, dtype=bool)


def apply_mask(scores: ArrayLike, mask: ArrayLike | None) -> Array:
    """Scores with every disallowed entry (mask False) replaced by −inf; None masks nothing."""
    s = np.asarray(scores, dtype=np.float64)
    if mask is None:
        return s.copy()
    allowed = np.broadcast_to(np.asarray(mask, dtype=bool), s.shape)
    if not np.all(np.any(allowed, axis=-1)):
        raise ValueError("a fully masked row has no weights to normalize")
    masked: Array = np.where(allowed, s, -np.inf)
    return masked


def attention_weights(
    Q: ArrayLike,
    K: ArrayLike,
    causal: bool = False,
    mask: ArrayLike | None = None,
    scale: float | None = None,
) -> Array:
    """softmax over each row of the (masked) scaled scores; shape (..., n_q, n_k), rows sum to 1."""
    scores = attention_scores(Q, K, scale)
    allowed = _combined_mask(scores.shape[-2], scores.shape[-1], causal, mask)
    return softmax(apply_mask(scores, allowed))


def scaled_dot_product_attention(
    Q: ArrayLike,
    K: ArrayLike,
    V: ArrayLike,
    causal: bool = False,
    mask: ArrayLike | None = None,
    scale: float | None = None,
) -> Attention:
    """softmax(Q·Kᵀ/√d_k)·V, as torch.nn.functional.scaled_dot_product_attention (no dropout)."""
    weights = attention_weights(Q, K, causal, mask, scale)
    output: Array = weights @ np.asarray(V, dtype=np.float64)
    return Attention(weights, output)


def _combined_mask(n_q: int, n_k: int, causal: bool, mask: ArrayLike | None) -> Mask | None:
    if not causal:
        return None if mask is None else np.asarray(mask, dtype=bool)
    triangle = causal_mask(n_q, n_k)
    return triangle if mask is None else triangle & np.asarray(mask, dtype=bool)


# ---------------------------------------------------------------- multi-head


def split_heads(X: ArrayLike, num_heads: int) -> Array:
    """(n, d_model) -> (h, n, d_model/h): head i takes feature columns [i·d_h, (i+1)·d_h)."""
    x = np.asarray(X, dtype=np.float64)
    n, d_model = x.shape
    if d_model % num_heads:
        raise ValueError(f"d_model = {d_model} is not divisible by {num_heads} heads")
    heads: Array = x.reshape(n, num_heads, d_model // num_heads).transpose(1, 0, 2)
    return heads


def merge_heads(H: ArrayLike) -> Array:
    """(h, n, d_h) -> (n, h·d_h): the heads' outputs side by side, head 0 first (the concat)."""
    heads = np.asarray(H, dtype=np.float64)
    h, n, d_h = heads.shape
    merged: Array = heads.transpose(1, 0, 2).reshape(n, h * d_h)
    return merged


def _project(X: Array, W: ArrayLike | None) -> Array:
    """X·Wᵀ (W has shape out × in, as torch.nn.Linear without bias); None is the identity."""
    if W is None:
        return X
    projected: Array = X @ np.asarray(W, dtype=np.float64).T
    return projected


def multi_head_attention(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    num_heads: int,
    W_q: ArrayLike | None = None,
    W_k: ArrayLike | None = None,
    W_v: ArrayLike | None = None,
    W_o: ArrayLike | None = None,
    causal: bool = False,
) -> Attention:
    """Project, split d_model into h heads, attend per head with 1/√d_h, concat, project.

    query (n_q, d_model), key and value (n_k, d_model). Each W (d_model × d_model, out × in)
    maps rows as X·Wᵀ, like torch.nn.MultiheadAttention's projections with bias=False; a
    missing W is the identity. Returns weights (h, n_q, n_k) and output (n_q, d_model).
    """
    x_q = np.asarray(query, dtype=np.float64)
    x_k = np.asarray(key, dtype=np.float64)
    x_v = np.asarray(value, dtype=np.float64)
    q = split_heads(_project(x_q, W_q), num_heads)
    k = split_heads(_project(x_k, W_k), num_heads)
    v = split_heads(_project(x_v, W_v), num_heads)
    per_head = scaled_dot_product_attention(q, k, v, causal=causal)
    return Attention(per_head.weights, _project(merge_heads(per_head.output), W_o))


# ---------------------------------------------------------------- positions


def sinusoidal_positional_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> Array:
    """The Transformer's fixed position code, shape (n_positions, d_model).

    PE[pos, 2i] = sin(pos / base^(2i/d_model)) and PE[pos, 2i+1] = cos(pos / base^(2i/d_model)):
    each sine/cosine pair turns at its own frequency, from one radian per position (i = 0)
    down to about 1/base. An odd d_model ends with a sine column.
    """
    positions = np.arange(n_positions, dtype=np.float64)[:, None]
    even = np.arange(0, d_model, 2, dtype=np.float64)
    angles = positions / base ** (even / d_model)
    pe = np.zeros((n_positions, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe
