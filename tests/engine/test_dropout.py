"""Dropout: hand-worked masks, the preserved expectation, p = 1, and the backward pass."""

import numpy as np
import pytest

from engine import dropout, gradcheck

H = np.array([2.0, -1.0, 0.5, 4.0])
MASK = np.array([1.0, 0.0, 1.0, 1.0])


def test_inverted_dropout_with_a_known_mask_by_hand() -> None:
    out, mask = dropout.dropout_forward(H, 0.5, mask=MASK)
    # kept units doubled (1 / (1 − 0.5) = 2), dropped unit zero
    np.testing.assert_allclose(out, [4.0, 0.0, 1.0, 8.0], rtol=1e-15)
    np.testing.assert_array_equal(mask, MASK)
    out, _ = dropout.dropout_forward(H, 0.2, mask=MASK)
    np.testing.assert_allclose(out, [2.5, 0.0, 0.625, 5.0], rtol=1e-15)


def test_eval_mode_is_the_identity() -> None:
    out, mask = dropout.dropout_forward(H, 0.7, training=False)
    np.testing.assert_array_equal(out, H)
    np.testing.assert_array_equal(mask, np.ones(4))


def test_classic_dropout_scales_at_inference_instead() -> None:
    out, _ = dropout.classic_dropout_forward(H, 0.25, mask=MASK)
    np.testing.assert_allclose(out, [2.0, 0.0, 0.5, 4.0], rtol=1e-15)
    test_time, _ = dropout.classic_dropout_forward(H, 0.25, training=False)
    np.testing.assert_allclose(test_time, [1.5, -0.75, 0.375, 3.0], rtol=1e-15)
    np.testing.assert_allclose(dropout.classic_dropout_inference(H, 0.25), test_time)
    np.testing.assert_allclose(dropout.classic_dropout_train(H, MASK), out)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_preserved_over_many_masks(p: float) -> None:
    rng = np.random.default_rng(7)
    trials = 160_000
    outputs, _ = dropout.dropout_forward(np.tile(H, (trials, 1)), p, rng=rng)
    # std of one unit's mean: |h| · √(p / (1 − p)) / √trials ≤ 4 · 2 / 400 = 0.02; allow 4σ
    np.testing.assert_allclose(outputs.mean(axis=0), H, atol=0.08)
    # classic dropout: training mean is (1 − p) · h, which inference matches
    classic, _ = dropout.classic_dropout_forward(np.tile(H, (trials, 1)), p, rng=rng)
    np.testing.assert_allclose(classic.mean(axis=0), (1 - p) * H, atol=0.04)


def test_sampled_masks_drop_about_p_and_are_seeded() -> None:
    mask = dropout.sample_mask(np.random.default_rng(1), (200_000,), 0.3)
    assert set(np.unique(mask)) == {0.0, 1.0}
    assert 1 - mask.mean() == pytest.approx(0.3, abs=0.005)
    np.testing.assert_array_equal(
        mask, dropout.sample_mask(np.random.default_rng(1), (200_000,), 0.3)
    )


def test_p_equal_one_gives_zeros_without_dividing_by_zero() -> None:
    rng = np.random.default_rng(0)
    with np.errstate(all="raise"):
        out, mask = dropout.dropout_forward(H, 1.0, rng=rng)
        grad = dropout.dropout_backward(np.ones(4), mask, 1.0)
    np.testing.assert_array_equal(mask, np.zeros(4))
    np.testing.assert_array_equal(out, np.zeros(4))
    np.testing.assert_array_equal(grad, np.zeros(4))
    assert dropout.keep_scale(1.0) == 0.0
    # even a mask claiming to keep units gives zeros: nothing survives p = 1
    out, _ = dropout.dropout_forward(H, 1.0, mask=np.ones(4))
    np.testing.assert_array_equal(out, np.zeros(4))


def test_p_zero_keeps_everything() -> None:
    out, mask = dropout.dropout_forward(H, 0.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, H)
    np.testing.assert_array_equal(mask, np.ones(4))


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        dropout.dropout_forward(H, 1.5, mask=MASK)
    with pytest.raises(ValueError):
        dropout.dropout_forward(H, 0.5)  # neither mask nor rng
    with pytest.raises(ValueError):
        dropout.dropout_forward(H, 0.5, mask=np.ones(3))


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.9])
def test_backward_passes_the_gradient_check(p: float) -> None:
    rng = np.random.default_rng(3)
    h = rng.normal(size=(3, 5))
    mask = dropout.sample_mask(rng, h.shape, p)
    upstream = rng.normal(size=h.shape)

    def loss(x: np.ndarray) -> float:
        out, _ = dropout.dropout_forward(x, p, mask=mask)
        return float(np.sum(out * upstream))

    analytic = dropout.dropout_backward(upstream, mask, p)
    assert gradcheck.relative_error(analytic, gradcheck.numerical_gradient(loss, h)) < 1e-7
    # by hand: upstream · mask / (1 − p)
    np.testing.assert_allclose(analytic, upstream * mask / (1 - p), rtol=1e-14)


def test_classic_backward_passes_the_gradient_check() -> None:
    rng = np.random.default_rng(4)
    h, upstream = rng.normal(size=6), rng.normal(size=6)
    mask = dropout.sample_mask(rng, (6,), 0.5)
    analytic = dropout.classic_dropout_backward(upstream, mask)
    numeric = gradcheck.numerical_gradient(
        lambda x: float(np.sum(dropout.classic_dropout_train(x, mask) * upstream)), h
    )
    assert gradcheck.relative_error(analytic, numeric) < 1e-7
