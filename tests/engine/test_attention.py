"""Attention against a hand example, a naive loop, and its structural properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import attention as att


def naive_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Loops over queries and keys with math.exp: the definition, written out."""
    n_q, d_k = Q.shape
    n_k = K.shape[0]
    weights = np.zeros((n_q, n_k))
    for i in range(n_q):
        allowed = [j for j in range(n_k) if not causal or j <= i]
        scores = {j: sum(Q[i, c] * K[j, c] for c in range(d_k)) / math.sqrt(d_k) for j in allowed}
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        for j in allowed:
            weights[i, j] = math.exp(scores[j] - top) / total
    output = np.zeros((n_q, V.shape[1]))
    for i in range(n_q):
        for c in range(V.shape[1]):
            output[i, c] = sum(weights[i, j] * V[j, c] for j in range(n_k))
    return weights, output


def test_hand_example() -> None:
    # scores [1/√2, 0] → weights [σ(1/√2), 1 − σ(1/√2)]
    w = 1 / (1 + math.exp(-1 / math.sqrt(2)))
    result = att.scaled_dot_product_attention(
        [[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1, 2], [3, 4]]
    )
    np.testing.assert_allclose(result.weights, [[w, 1 - w]], rtol=1e-12)
    np.testing.assert_allclose(result.output, [[w + 3 * (1 - w), 2 * w + 4 * (1 - w)]], rtol=1e-12)
    assert att.attention_scale(4) == 0.5


shapes = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 6), st.integers(1, 4))


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 2**32 - 1), st.booleans())
def test_matches_naive_loop(shape: tuple[int, int, int, int], seed: int, causal: bool) -> None:
    n_q, n_k, d_k, d_v = shape
    rng = np.random.default_rng(seed)
    Q, K, V = rng.normal(size=(n_q, d_k)), rng.normal(size=(n_k, d_k)), rng.normal(size=(n_k, d_v))
    weights, output = att.scaled_dot_product_attention(Q, K, V, causal=causal)
    expected_w, expected_out = naive_attention(Q, K, V, causal)
    np.testing.assert_allclose(weights, expected_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(output, expected_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)


def test_causal_weights_are_zero_above_the_diagonal() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 4))
    weights = att.attention_weights(X, X, causal=True)
    assert np.all(np.triu(weights, k=1) == 0.0)
    assert weights[0, 0] == 1.0
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(
        att.causal_mask(3), [[True, False, False], [True, True, False], [True, True, True]]
    )
    np.testing.assert_array_equal(
        att.causal_mask(2, 3), [[True, False, False], [True, True, False]]
    )


def test_explicit_mask_and_fully_masked_row() -> None:
    scores = att.apply_mask([[1.0, 2.0]], [[True, False]])
    assert scores[0, 1] == -np.inf
    weights = att.attention_weights([[1.0, 0.0]], [[5.0, 0.0], [0.0, 5.0]], mask=[[False, True]])
    np.testing.assert_array_equal(weights, [[0.0, 1.0]])
    with pytest.raises(ValueError):
        att.apply_mask([[1.0, 2.0]], [[False, False]])


def test_scale_override_and_unscaled_scores() -> None:
    Q, K = [[1.0, 2.0]], [[3.0, 4.0]]
    assert att.attention_scores(Q, K, scale=1.0)[0, 0] == 11.0
    assert att.attention_scores(Q, K)[0, 0] == pytest.approx(11 / math.sqrt(2))


def test_one_head_equals_single_head_attention() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4, 6))
    plain = att.scaled_dot_product_attention(X, X, X)
    mha = att.multi_head_attention(X, X, X, num_heads=1)
    np.testing.assert_allclose(mha.weights[0], plain.weights, rtol=1e-12)
    np.testing.assert_allclose(mha.output, plain.output, rtol=1e-12)
    W_q, W_k, W_v, W_o = (rng.normal(size=(6, 6)) for _ in range(4))
    projected = att.multi_head_attention(X, X, X, 1, W_q, W_k, W_v, W_o)
    inner = att.scaled_dot_product_attention(X @ W_q.T, X @ W_k.T, X @ W_v.T)
    np.testing.assert_allclose(projected.output, inner.output @ W_o.T, rtol=1e-10)


def test_multi_head_is_per_head_attention_concatenated() -> None:
    rng = np.random.default_rng(11)
    X, Y = rng.normal(size=(3, 8)), rng.normal(size=(5, 8))
    W_q, W_k, W_v, W_o = (rng.normal(size=(8, 8)) for _ in range(4))
    result = att.multi_head_attention(X, Y, Y, 4, W_q, W_k, W_v, W_o)
    q, k, v = X @ W_q.T, Y @ W_k.T, Y @ W_v.T
    outs = []
    for h in range(4):
        cols = slice(2 * h, 2 * h + 2)
        w, o = naive_attention(q[:, cols], k[:, cols], v[:, cols])
        np.testing.assert_allclose(result.weights[h], w, rtol=1e-10)
        outs.append(o)
    np.testing.assert_allclose(result.output, np.hstack(outs) @ W_o.T, rtol=1e-10)
    assert result.weights.shape == (4, 3, 5)


def test_split_and_merge_heads_round_trip() -> None:
    X = np.arange(12.0).reshape(2, 6)
    heads = att.split_heads(X, 3)
    np.testing.assert_array_equal(heads[1], [[2, 3], [8, 9]])
    np.testing.assert_array_equal(att.merge_heads(heads), X)
    with pytest.raises(ValueError):
        att.split_heads(X, 4)


def test_sinusoidal_positional_encoding_by_hand() -> None:
    pe = att.sinusoidal_positional_encoding(3, 4)
    # frequencies 1 and 1/10000^(2/4) = 1/100
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1], atol=1e-15)
    np.testing.assert_allclose(pe[1], [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)])
    np.testing.assert_allclose(pe[2], [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)])
    odd = att.sinusoidal_positional_encoding(2, 5)
    assert odd.shape == (2, 5)
    assert odd[1, 4] == pytest.approx(math.sin(1 / 10000 ** (4 / 5)))
