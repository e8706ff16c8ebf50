"""Optimizer steps against update rules worked by hand, step by step, in PyTorch's conventions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import optimizers as opt

GRADS = [0.5, 0.3, -0.2]


def buffer_of(state: opt.MomentumState) -> float:
    assert state.buffer is not None
    return float(state.buffer)


def run_momentum(nesterov: bool, dampening: float = 0.0) -> list[float]:
    theta, state = opt.as_array(1.0), opt.MomentumState()
    path = []
    for g in GRADS:
        theta, state = opt.sgd_momentum(
            theta, g, state, lr=0.1, momentum=0.9, dampening=dampening, nesterov=nesterov
        )
        path.append(float(theta))
    return path


def test_sgd_and_weight_decay_by_hand() -> None:
    assert float(opt.sgd(1.0, 0.5, lr=0.1)) == pytest.approx(0.95)
    # g' = 0.5 + 0.1·2 = 0.7; θ = 2 − 0.1·0.7 = 1.93
    assert float(opt.sgd(2.0, 0.5, lr=0.1, weight_decay=0.1)) == pytest.approx(1.93)
    np.testing.assert_allclose(opt.sgd([1.0, -1.0], [0.2, 0.4], lr=0.5), [0.9, -1.2])


def test_momentum_three_steps_by_hand() -> None:
    # b1 = g1 = 0.5 (the empty buffer is filled with g), θ = 1 − 0.05 = 0.95
    # b2 = 0.9·0.5 + 0.3 = 0.75, θ = 0.95 − 0.075 = 0.875
    # b3 = 0.9·0.75 − 0.2 = 0.475, θ = 0.875 − 0.0475 = 0.8275
    np.testing.assert_allclose(run_momentum(nesterov=False), [0.95, 0.875, 0.8275], rtol=1e-12)


def test_nesterov_three_steps_by_hand() -> None:
    # same buffers 0.5, 0.75, 0.475; directions g + 0.9·b = 0.95, 0.975, 0.2275
    np.testing.assert_allclose(run_momentum(nesterov=True), [0.905, 0.8075, 0.78475], rtol=1e-12)
    theta, state = opt.nesterov(
        1.0, 0.5, opt.MomentumState(opt.as_array(0.2)), lr=0.1, momentum=0.5
    )
    # b = 0.5·0.2 + 0.5 = 0.6; direction 0.5 + 0.5·0.6 = 0.8; θ = 1 − 0.08
    assert float(theta) == pytest.approx(0.92)
    assert buffer_of(state) == pytest.approx(0.6)


def test_momentum_with_given_velocity_is_the_product_formula() -> None:
    # docs/formats.md's sgd_momentum: θ − lr·(momentum·velocity + grad)
    theta, state = opt.sgd_momentum(
        [1.0, 2.0], [0.1, -0.3], opt.MomentumState(np.array([0.4, 0.2])), lr=0.5, momentum=0.9
    )
    np.testing.assert_allclose(theta, [1.0 - 0.5 * 0.46, 2.0 - 0.5 * -0.12], rtol=1e-12)
    assert state.buffer is not None
    np.testing.assert_allclose(state.buffer, [0.46, -0.12], rtol=1e-12)


def test_dampening_skips_the_first_step_only() -> None:
    # first b = g = 0.5 undamped; second b = 0.9·0.5 + (1 − 0.5)·0.3 = 0.6
    _, state = opt.sgd_momentum(1.0, 0.5, opt.MomentumState(), lr=0.1, momentum=0.9, dampening=0.5)
    assert buffer_of(state) == pytest.approx(0.5)
    _, state = opt.sgd_momentum(1.0, 0.3, state, lr=0.1, momentum=0.9, dampening=0.5)
    assert buffer_of(state) == pytest.approx(0.6)
    with pytest.raises(ValueError):
        opt.sgd_momentum(1.0, 0.3, state, lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)


def test_momentum_weight_decay_enters_the_buffer() -> None:
    # g' = 0.5 + 0.1·2 = 0.7 fills the buffer; θ = 2 − 0.1·0.7
    theta, state = opt.sgd_momentum(
        2.0, 0.5, opt.MomentumState(), lr=0.1, momentum=0.9, weight_decay=0.1
    )
    assert float(theta) == pytest.approx(1.93)
    assert buffer_of(state) == pytest.approx(0.7)


def test_adagrad_two_steps_by_hand() -> None:
    theta, state = opt.as_array(1.0), opt.AdaGradState.start(1.0)
    theta, state = opt.adagrad(theta, 0.3, state, lr=0.1)  # G = 0.09, θ = 1 − 0.1·0.3/0.3
    assert float(theta) == pytest.approx(0.9, abs=1e-9)
    theta, state = opt.adagrad(theta, 0.4, state, lr=0.1)  # G = 0.25, θ = 0.9 − 0.1·0.4/0.5
    assert float(theta) == pytest.approx(0.82, abs=1e-9)
    assert float(state.sum_sq) == pytest.approx(0.25)
    # eps = 1e-10 sits outside the root: with G = 0 and g = 0 the step is 0, not nan
    zero, _ = opt.adagrad(1.0, 0.0, opt.AdaGradState.start(1.0))
    assert float(zero) == 1.0


def test_rmsprop_two_steps_by_hand() -> None:
    theta, state = opt.as_array(1.0), opt.RMSpropState.start(1.0)
    theta, state = opt.rmsprop(theta, 0.5, state, lr=0.01, alpha=0.9)
    # v = 0.1·0.25 = 0.025; g/√v = 0.5/√0.025 = √10
    assert float(theta) == pytest.approx(1 - 0.01 * math.sqrt(10), rel=1e-7)
    theta, state = opt.rmsprop(theta, 0.5, state, lr=0.01, alpha=0.9)
    # v = 0.9·0.025 + 0.1·0.25 = 0.0475
    assert float(state.square_avg) == pytest.approx(0.0475)
    expected = 1 - 0.01 * math.sqrt(10) - 0.01 * 0.5 / math.sqrt(0.0475)
    assert float(theta) == pytest.approx(expected, rel=1e-7)


def test_rmsprop_default_alpha_is_099() -> None:
    # v = 0.01·0.04 = 0.0004, √v = 0.02, step 0.01·0.2/0.02 = 0.1
    theta, _ = opt.rmsprop(0.0, 0.2, opt.RMSpropState.start(0.0))
    assert float(theta) == pytest.approx(-0.1, rel=1e-6)


def test_adam_two_steps_by_hand() -> None:
    theta, state = opt.as_array(1.0), opt.AdamState.start(1.0)
    theta, state = opt.adam(theta, 0.5, state, lr=0.1)
    # m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ = 1 − 0.1·0.5/0.5
    assert float(state.m) == pytest.approx(0.05)
    assert float(state.v) == pytest.approx(0.00025)
    assert state.step == 1
    assert float(theta) == pytest.approx(0.9, abs=1e-8)
    theta, state = opt.adam(theta, -0.2, state, lr=0.1)
    # m = 0.045 − 0.02 = 0.025; v = 0.00024975 + 0.00004 = 0.00028975
    # 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999
    assert float(state.m) == pytest.approx(0.025)
    assert float(state.v) == pytest.approx(0.00028975)
    expected = 0.9 - 0.1 * (0.025 / 0.19) / math.sqrt(0.00028975 / 0.001999)
    assert float(theta) == pytest.approx(expected, rel=1e-7)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.floats(1e-3, 10.0).flatmap(lambda a: st.sampled_from([a, -a])), min_size=1, max_size=5
    )
)
def test_adam_first_step_moves_each_entry_by_lr(grad: list[float]) -> None:
    theta = np.linspace(-1, 1, len(grad))
    new, _ = opt.adam(theta, grad, opt.AdamState.start(theta), lr=0.01)
    np.testing.assert_allclose(theta - new, 0.01 * np.sign(grad), rtol=1e-5)


def test_bias_correction_matters_at_the_first_step() -> None:
    state = opt.AdamState.start(0.0)
    with_bc, _ = opt.adam(0.0, 0.5, state, lr=0.1)
    without, _ = opt.adam_without_bias_correction(0.0, 0.5, state, lr=0.1)
    # uncorrected: 0.1·0.05/√0.00025 = 0.1·0.1/√0.001 = 0.1·√10
    assert float(with_bc) == pytest.approx(-0.1, rel=1e-6)
    assert float(without) == pytest.approx(-0.1 * math.sqrt(10), rel=1e-6)


def test_bias_correction_fades_with_t() -> None:
    assert float(opt.bias_corrected(0.1, 0.9, 1)) == pytest.approx(1.0)
    assert float(opt.bias_corrected(0.19, 0.9, 2)) == pytest.approx(1.0)
    assert float(opt.bias_corrected(1.0, 0.9, 200)) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError):
        opt.bias_corrected(1.0, 0.9, 0)


def test_adamw_shrinks_weights_directly_adam_l2_does_not() -> None:
    start = opt.AdamState.start(2.0)
    # AdamW: 2·(1 − 0.1·0.1) = 1.98, then the first Adam step −0.1·sign(0.5) → 1.88
    adamw, _ = opt.adamw(2.0, 0.5, start, lr=0.1, weight_decay=0.1)
    # Adam + L2: g' = 0.5 + 0.1·2 = 0.7, first step −0.1·sign(0.7) → 1.9
    adam_l2, _ = opt.adam(2.0, 0.5, start, lr=0.1, weight_decay=0.1)
    assert float(adamw) == pytest.approx(1.88, abs=1e-7)
    assert float(adam_l2) == pytest.approx(1.9, abs=1e-7)
    # a zero gradient: AdamW still decays by lr·λ·θ = 0.02; Adam+L2 normalizes λθ to a full lr step
    adamw0, state = opt.adamw(2.0, 0.0, start, lr=0.1, weight_decay=0.1)
    assert float(adamw0) == pytest.approx(1.98)
    assert float(state.m) == 0.0  # the decay never enters the moments
    adam_l2_0, _ = opt.adam(2.0, 0.0, start, lr=0.1, weight_decay=0.1)
    assert float(adam_l2_0) == pytest.approx(1.9, abs=1e-7)


def test_adamw_decay_is_independent_of_gradient_scale() -> None:
    # After a history of big gradients, Adam+L2's decay term is divided by a large √v̂;
    # AdamW's shrink is lr·λ·θ whatever v holds.
    state = opt.AdamState(opt.as_array(0.0), opt.as_array(100.0), 5)
    adamw, _ = opt.adamw(1.0, 0.0, state, lr=0.1, weight_decay=0.5)
    plain, _ = opt.adam(1.0, 0.0, state, lr=0.1)
    adam_l2, _ = opt.adam(1.0, 0.0, state, lr=0.1, weight_decay=0.5)
    assert float(plain) == pytest.approx(1.0)
    assert float(adamw) == pytest.approx(0.95)
    assert 1.0 - float(adam_l2) < 0.01


def test_steps_do_not_modify_their_inputs() -> None:
    theta, grad = np.array([1.0, 2.0]), np.array([0.3, -0.1])
    state = opt.AdamState(np.array([0.1, 0.1]), np.array([0.2, 0.2]), 3)
    opt.adam(theta, grad, state, lr=0.1)
    opt.adamw(theta, grad, state, lr=0.1)
    np.testing.assert_array_equal(theta, [1.0, 2.0])
    np.testing.assert_array_equal(state.m, [0.1, 0.1])
    buffer = np.array([0.5, 0.5])
    opt.sgd_momentum(theta, grad, opt.MomentumState(buffer), lr=0.1, momentum=0.9)
    np.testing.assert_array_equal(buffer, [0.5, 0.5])


def test_every_result_is_float64() -> None:
    theta, _ = opt.adam([1, 2], [1, 1], opt.AdamState.start([1, 2]))
    assert theta.dtype == np.float64
    assert opt.sgd(1, 1, lr=1).dtype == np.float64
