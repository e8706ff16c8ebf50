"""Convolution sizes, conv2d against a naive loop, pooling and parameter counts by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import conv


def naive_conv2d(
    X: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> np.ndarray:
    """Cross-correlation by explicit loops over output channel, row, column and window."""
    c_in, h, w = X.shape
    c_out, _, kh, kw = W.shape
    padded = np.zeros((c_in, h + 2 * padding, w + 2 * padding))
    padded[:, padding : padding + h, padding : padding + w] = X
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (w + 2 * padding - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = b[o]
                for c in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            total += W[o, c, u, v] * padded[c, i * stride + u, j * stride + v]
                out[o, i, j] = total
    return out


def test_output_size_known_layers() -> None:
    assert conv.conv_output_size(32, 5) == 28  # LeNet's first conv
    assert conv.conv_output_size(28, 3, padding=1) == 28  # "same" padding
    assert conv.conv_output_size(224, 7, padding=3, stride=2) == 112  # ResNet stem: ⌊223/2⌋ + 1
    assert conv.conv_output_size(227, 11, stride=4) == 55  # AlexNet
    assert conv.conv_output_size(7, 2, stride=2) == 3  # ⌊5/2⌋ + 1: the floor drops a column
    assert conv.conv_output_size(7, 3, dilation=2) == 3  # effective kernel 5
    with pytest.raises(ValueError):
        conv.conv_output_size(2, 5)


def test_output_size_parts_and_slips() -> None:
    assert conv.stride_quotient(32, 5, 0, 2) == 13.5
    assert conv.whole_strides(32, 5, 0, 2) == 13
    assert conv.output_size_unfloored(32, 5, 0, 2) == 14.5
    assert conv.conv_output_size(32, 5, 0, 2) == 14


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 11), st.integers(0, 5), st.integers(1, 5))
def test_output_size_counts_window_positions(n: int, k: int, p: int, s: int) -> None:
    if n + 2 * p < k:
        return
    positions = len(range(0, n + 2 * p - k + 1, s))  # every start where the window fits
    assert conv.conv_output_size(n, k, p, s) == positions


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_conv2d_matches_naive_loop(
    c_in: int, c_out: int, k: int, padding: int, stride: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(c_in, 6, 5))
    W = rng.normal(size=(c_out, c_in, k, k))
    b = rng.normal(size=c_out)
    out = conv.conv2d(X, W, b, stride=stride, padding=padding)
    np.testing.assert_allclose(out, naive_conv2d(X, W, b, stride, padding), rtol=1e-10, atol=1e-12)
    assert out.shape == (
        c_out,
        conv.conv_output_size(6, k, padding, stride),
        conv.conv_output_size(5, k, padding, stride),
    )


def test_conv2d_is_cross_correlation_by_hand() -> None:
    X = np.arange(1.0, 10.0).reshape(3, 3)  # [[1,2,3],[4,5,6],[7,8,9]]
    # unflipped kernel: out[0,0] = 1·1 + 2·2 = 5 (flipped, it would be 2·4 + 1·5 = 13)
    np.testing.assert_array_equal(conv.conv2d(X, [[1, 2], [0, 0]]), [[5, 8], [14, 17]])
    np.testing.assert_array_equal(conv.conv2d(X, [[1, 0], [0, -1]], bias=1.0), [[-3, -3], [-3, -3]])
    # padding 1, stride 2 on a 3×3 of ones with a 3×3 ones kernel: corners see 4 ones
    ones = conv.conv2d(np.ones((3, 3)), np.ones((3, 3)), padding=1, stride=2)
    np.testing.assert_array_equal(ones, [[4, 4], [4, 4]])
    with pytest.raises(ValueError):
        conv.conv2d(np.ones((2, 3, 3)), np.ones((1, 3, 2, 2)))


X_POOL = np.array([[1, 3, 2, 4], [5, 6, 1, 0], [7, 2, 9, 8], [0, 1, 3, 4]], dtype=float)


def test_pooling_by_hand() -> None:
    np.testing.assert_array_equal(conv.max_pool2d(X_POOL, 2), [[6, 4], [7, 9]])
    np.testing.assert_array_equal(conv.avg_pool2d(X_POOL, 2), [[3.75, 1.75], [2.5, 6.0]])
    # 3×3 windows with stride 1: four windows
    np.testing.assert_array_equal(conv.max_pool2d(X_POOL, 3, stride=1), [[9, 9], [9, 9]])
    np.testing.assert_allclose(
        conv.avg_pool2d(X_POOL, 3, stride=1), [[4, 35 / 9], [34 / 9, 34 / 9]]
    )
    # stride 3 on 4×4 with kernel 2: ⌊2/3⌋ + 1 = 1 window
    np.testing.assert_array_equal(conv.max_pool2d(X_POOL, 2, stride=3), [[6]])
    assert conv.pool_windows(X_POOL, 2).shape == (2, 2, 2, 2)
    channels = np.stack([X_POOL, -X_POOL])
    np.testing.assert_array_equal(conv.max_pool2d(channels, 2)[1], [[-1, 0], [0, -3]])


def test_parameter_counts_by_hand() -> None:
    assert conv.mlp_param_count([784, 128, 10]) == 101_770  # 784·128 + 128 + 128·10 + 10
    assert conv.mlp_param_count([784, 128, 10], bias=False) == 101_632
    assert conv.mlp_param_count([3, 4, 2]) == 26  # 12 + 4 + 8 + 2
    assert conv.linear_param_count(5, 1) == 6
    assert conv.conv_param_count(3, 16, 3) == 448  # 16·3·9 + 16
    assert conv.conv_param_count(64, 128, 3) == 73_856
    assert conv.conv_param_count(3, 16, 3, bias=False) == 432
    assert conv.conv_param_count(2, 4, (1, 3)) == 28  # 4·2·1·3 + 4


def test_receptive_field() -> None:
    assert conv.receptive_field([3, 3]) == 5
    assert conv.receptive_field([3, 3, 3]) == 7
    assert conv.receptive_field([3, 3], strides=[2, 1]) == 7  # 1 + 2 + 2·2
    assert conv.receptive_field([7, 3], strides=[2, 2]) == 11  # 1 + 6 + 2·2
