"""Initialization scales against SymPy and hand numbers; samplers against their variance;
signal propagation against the hand-worked recursion and finite differences."""

import math

import numpy as np
import pytest
import sympy as sp

from engine import gradcheck
from engine import initialization as init

# ---------------------------------------------------------------- gains and fans


@pytest.mark.parametrize(
    ("name", "param", "expected"),
    [
        ("linear", None, 1.0),
        ("identity", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 1.6666666666666667),
        ("relu", None, 1.4142135623730951),
        ("leaky_relu", None, 1.4141428569978354),  # √(2 / 1.0001)
        ("leaky_relu", 0.2, 1.3867504905630728),  # √(2 / 1.04)
        ("leaky_relu", 0.0, 1.4142135623730951),
    ],
)
def test_gains_match_hand_values(name: str, param: float | None, expected: float) -> None:
    assert init.calculate_gain(name, param) == pytest.approx(expected, rel=1e-15)


def test_unknown_gain_is_refused() -> None:
    with pytest.raises(ValueError):
        init.calculate_gain("softmax")


def test_fans_of_dense_and_conv_weights() -> None:
    assert init.fans((3, 5)) == (5, 3)  # (out, in): fan_in = 5
    assert init.fans((16, 8, 3, 3)) == (8 * 9, 16 * 9)
    with pytest.raises(ValueError):
        init.fans((7,))


# ---------------------------------------------------------------- closed forms via SymPy

x, a, fi, fo, g = sp.symbols("x a fan_in fan_out gain", positive=True)
UNIFORM_VARIANCE = sp.integrate(x**2 / (2 * a), (x, -a, a))  # Var U(−a, a) = a²/3
XAVIER_VAR = g**2 * 2 / (fi + fo)
HE_VAR = g**2 / fi

FANS = [(1, 1), (3, 7), (100, 300), (784, 256), (512, 10)]


def test_sympy_uniform_variance_is_a_squared_over_three() -> None:
    assert sp.simplify(UNIFORM_VARIANCE - a**2 / 3) == 0


@pytest.mark.parametrize(("fan_in", "fan_out"), FANS)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, math.sqrt(2)])
def test_xavier_variance_std_and_bound(fan_in: int, fan_out: int, gain: float) -> None:
    values = {fi: fan_in, fo: fan_out, g: gain}
    variance = float(XAVIER_VAR.subs(values))
    assert init.xavier_variance(fan_in, fan_out, gain) == pytest.approx(variance, rel=1e-13)
    assert init.xavier_std(fan_in, fan_out, gain) == pytest.approx(math.sqrt(variance), rel=1e-13)
    bound = init.xavier_bound(fan_in, fan_out, gain)
    assert float(UNIFORM_VARIANCE.subs(a, bound)) == pytest.approx(variance, rel=1e-13)


@pytest.mark.parametrize(("fan_in", "fan_out"), FANS)
@pytest.mark.parametrize(
    ("nonlinearity", "slope"), [("relu", 0.0), ("leaky_relu", 0.2), ("linear", 0.0)]
)
def test_he_variance_std_and_bound(
    fan_in: int, fan_out: int, nonlinearity: str, slope: float
) -> None:
    gain_value = {"relu": math.sqrt(2), "leaky_relu": math.sqrt(2 / 1.04), "linear": 1.0}[
        nonlinearity
    ]
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        variance = float(HE_VAR.subs({fi: fan, g: gain_value}))
        args = (fan_in, fan_out, mode, nonlinearity, slope)
        assert init.he_variance(*args) == pytest.approx(variance, rel=1e-13)
        assert init.he_std(*args) == pytest.approx(math.sqrt(variance), rel=1e-13)
        bound = init.he_bound(*args)
        assert float(UNIFORM_VARIANCE.subs(a, bound)) == pytest.approx(variance, rel=1e-13)


def test_he_defaults_are_pytorch_defaults() -> None:
    # kaiming_normal_ defaults: a=0, mode='fan_in', nonlinearity='leaky_relu' → 2 / fan_in
    assert init.he_variance(50, 999) == pytest.approx(0.04, rel=1e-15)
    assert init.he_std(50, 999) == pytest.approx(0.2, rel=1e-15)


@pytest.mark.parametrize("fan_in", [1, 3, 64, 1000])
def test_lecun(fan_in: int) -> None:
    assert init.lecun_variance(fan_in) == pytest.approx(1 / fan_in, rel=1e-15)
    assert init.lecun_std(fan_in) ** 2 == pytest.approx(1 / fan_in, rel=1e-13)
    assert init.lecun_bound(fan_in) ** 2 / 3 == pytest.approx(1 / fan_in, rel=1e-13)


def test_init_variance_by_name_hand_values() -> None:
    assert init.init_variance("xavier", 100, 300) == pytest.approx(0.005, rel=1e-14)
    assert init.init_variance("he", 100, 300) == pytest.approx(0.02, rel=1e-14)
    assert init.init_variance("lecun", 100, 300) == pytest.approx(0.01, rel=1e-14)
    with pytest.raises(ValueError):
        init.init_variance("orthogonal", 3, 3)


def test_init_scale_hand_values() -> None:
    # xavier_uniform_(w, gain=calculate_gain('tanh')) for a 300×100 weight: 5/3 · √(6/400)
    assert init.init_scale("xavier", "uniform", 100, 300, "tanh") == pytest.approx(
        5 / 3 * math.sqrt(6 / 400), rel=1e-13
    )
    # kaiming_normal_(w, mode='fan_out', nonlinearity='relu') for a 300×100 weight: √2 / √300
    assert init.init_scale("he", "normal", 100, 300, "relu", mode="fan_out") == pytest.approx(
        math.sqrt(2 / 300), rel=1e-13
    )
    assert init.init_scale(
        "he", "uniform", 100, 300, "leaky_relu", negative_slope=0.2
    ) == pytest.approx(math.sqrt(2 / 1.04) * math.sqrt(3 / 100), rel=1e-13)


def test_init_scale_missing_slope_follows_each_pytorch_function() -> None:
    # kaiming_normal_(w, nonlinearity='leaky_relu') has a = 0: gain √2
    assert init.init_scale("he", "normal", 100, 300, "leaky_relu") == pytest.approx(
        math.sqrt(2) / 10, rel=1e-14
    )
    # calculate_gain('leaky_relu') alone defaults to slope 0.01
    assert init.init_scale("xavier", "normal", 100, 300, "leaky_relu") == pytest.approx(
        math.sqrt(2 / 1.0001) * math.sqrt(2 / 400), rel=1e-14
    )
    with pytest.raises(ValueError):
        init.init_scale("lecun", "normal", 3, 3, "linear")
    with pytest.raises(ValueError):
        init.init_scale("he", "laplace", 3, 3, "relu")


# ---------------------------------------------------------------- samplers


SAMPLERS = [
    (
        "xavier_normal",
        lambda r, s: init.xavier_normal(r, s, gain=5 / 3),
        lambda fin, fout: (5 / 3) ** 2 * 2 / (fin + fout),
    ),
    ("xavier_uniform", lambda r, s: init.xavier_uniform(r, s), lambda fin, fout: 2 / (fin + fout)),
    ("he_normal", lambda r, s: init.he_normal(r, s), lambda fin, fout: 2 / fin),
    (
        "he_uniform_fan_out",
        lambda r, s: init.he_uniform(r, s, mode="fan_out"),
        lambda fin, fout: 2 / fout,
    ),
    ("lecun_normal", lambda r, s: init.lecun_normal(r, s), lambda fin, fout: 1 / fin),
    ("lecun_uniform", lambda r, s: init.lecun_uniform(r, s), lambda fin, fout: 1 / fin),
]


@pytest.mark.parametrize(("name", "sample", "variance"), SAMPLERS, ids=[s[0] for s in SAMPLERS])
@pytest.mark.parametrize("shape", [(400, 500), (64, 32, 3, 3)])
def test_sampler_empirical_variance(name: str, sample, variance, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(2024)
    weights = sample(rng, shape)
    assert weights.shape == shape and weights.dtype == np.float64
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    expected = variance(fan_in, fan_out)
    assert np.var(weights) == pytest.approx(expected, rel=0.03)
    assert abs(np.mean(weights)) < 0.03 * math.sqrt(expected)
    if "uniform" in name:
        assert np.max(np.abs(weights)) <= math.sqrt(3 * expected) * (1 + 1e-12)
    again = sample(np.random.default_rng(2024), shape)
    np.testing.assert_array_equal(weights, again)


# ---------------------------------------------------------------- propagation: closed form


def test_closed_form_linear_stack_by_hand() -> None:
    trace = init.closed_form_variances([4, 4, 4], 0.5, input_variance=2.0)
    # Var(z1) = 4 · 0.5 · 2 = 4, Var(z2) = 4 · 0.5 · 4 = 8
    np.testing.assert_allclose(trace.preactivation, [4.0, 8.0])
    np.testing.assert_allclose(trace.activation, [2.0, 4.0, 8.0])
    # backward: g1 = n2 · 0.5 · 1 = 2, g0 = n1 · 0.5 · 2 = 4
    np.testing.assert_allclose(trace.gradient, [4.0, 2.0, 1.0])


def test_closed_form_relu_stack_by_hand() -> None:
    trace = init.closed_form_variances(
        [10, 20, 5], [0.1, 0.1], input_variance=3.0, activation="relu"
    )
    # z1: 10 · 0.1 · 3 = 3; a1: 3/2; z2: 20 · 0.1 · 1.5 = 3; a2: 1.5
    np.testing.assert_allclose(trace.preactivation, [3.0, 3.0])
    np.testing.assert_allclose(trace.activation, [3.0, 1.5, 1.5])
    # g1 = 5 · 0.1 · ½ · 1 = 0.25, g0 = 20 · 0.1 · ½ · 0.25 = 0.25
    np.testing.assert_allclose(trace.gradient, [0.25, 0.25, 1.0])


def test_closed_form_he_keeps_relu_second_moment_and_linear_decays_geometrically() -> None:
    he = init.closed_form_variances([256] * 31, 2 / 256, activation="relu")
    np.testing.assert_allclose(he.activation, 1.0)
    np.testing.assert_allclose(he.gradient, 1.0)
    small = init.closed_form_variances([50] * 6, 0.01, input_variance=1.0)
    np.testing.assert_allclose(small.preactivation, 0.5 ** np.arange(1, 6))
    with pytest.raises(ValueError):
        init.closed_form_variances([3, 3], 0.1, activation="tanh")


# ---------------------------------------------------------------- propagation: empirical


def test_empirical_first_layer_matches_the_closed_form() -> None:
    widths = [256, 256]
    trace = init.empirical_variances(np.random.default_rng(3), widths, "he", "relu", batch=256)
    # Var(z1) = 256 · (2/256) · E[x²] = 2, E[a1²] = 1 for standard normal x
    assert trace.preactivation[0] == pytest.approx(2.0, rel=0.05)
    assert trace.activation[1] == pytest.approx(1.0, rel=0.05)


def per_layer_factor(first: float, last: float, layers: int) -> float:
    """The geometric-mean change of a second moment per layer."""
    return float((last / first) ** (1 / layers))


def test_he_keeps_relu_stack_steady_small_vanishes_large_explodes() -> None:
    layers, width = 10, 64
    widths = [width] * (layers + 1)
    he_std = math.sqrt(2 / width)
    runs = {
        scale: init.empirical_variances(
            np.random.default_rng(0), widths, "normal", "relu", batch=64, std=scale * he_std
        )
        for scale in (0.5, 1.0, 2.0)
    }
    steady = runs[1.0]
    # theory: each layer multiplies E[a²] (and the backward E[g²]) by scale²
    assert 0.8 < per_layer_factor(steady.activation[0], steady.activation[-1], layers) < 1.25
    assert 0.8 < per_layer_factor(steady.gradient[-1], steady.gradient[0], layers) < 1.25
    for scale in (0.5, 2.0):
        run = runs[scale]
        assert per_layer_factor(run.activation[0], run.activation[-1], layers) == pytest.approx(
            scale**2, rel=0.25
        )
        assert per_layer_factor(run.gradient[-1], run.gradient[0], layers) == pytest.approx(
            scale**2, rel=0.25
        )
        # ReLU is positively homogeneous, and the three runs share their random draws, so the
        # scaled stacks are the He stack times scale^(2l) exactly
        np.testing.assert_allclose(
            run.activation[1:],
            steady.activation[1:] * scale ** (2 * np.arange(1, layers + 1)),
            rtol=1e-10,
        )
    assert runs[0.5].activation[-1] < 1e-4 and runs[0.5].gradient[0] < 1e-4
    assert runs[2.0].activation[-1] > 1e4 and runs[2.0].gradient[0] > 1e4
    assert np.all(np.diff(np.log(runs[0.5].activation[1:])) < 0)
    assert np.all(np.diff(np.log(runs[2.0].activation[1:])) > 0)


def test_tanh_with_too_small_weights_vanishes() -> None:
    width = 64
    trace = init.empirical_variances(
        np.random.default_rng(1),
        [width] * 13,
        "normal",
        "tanh",
        batch=64,
        std=0.3 / math.sqrt(width),
    )
    # near 0, tanh is the identity: each layer multiplies E[a²] by 64 · 0.09/64 = 0.09
    assert trace.activation[-1] < 1e-10
    assert np.all(np.diff(trace.activation[1:]) < 0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
@pytest.mark.parametrize(("scheme", "value"), [("zeros", 0.0), ("constant", 0.3)])
def test_constant_init_keeps_every_hidden_unit_identical(
    activation: str, scheme: str, value: float
) -> None:
    rng = np.random.default_rng(5)
    weights = init.stack_weights(rng, [4, 6, 6, 3], scheme, value=value)
    run = init.stack_forward_backward(
        rng.normal(size=(8, 4)), weights, activation, rng.normal(size=(8, 3))
    )
    for hidden in run.activations[1:-1]:
        assert np.allclose(hidden, hidden[:, [0]])  # every unit computes the same thing
    for dW in run.weight_grads[:-1]:
        assert np.allclose(dW, dW[[0], :])  # …and receives the same gradient
    assert init.hidden_units_identical(run)


def test_random_init_breaks_the_symmetry() -> None:
    rng = np.random.default_rng(5)
    weights = init.stack_weights(rng, [4, 6, 6, 3], "he")
    run = init.stack_forward_backward(
        rng.normal(size=(8, 4)), weights, "tanh", rng.normal(size=(8, 3))
    )
    assert not init.hidden_units_identical(run)


@pytest.mark.parametrize("activation", ["tanh", "linear", "relu"])
def test_stack_backward_passes_the_gradient_check(activation: str) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 3))
    upstream = rng.normal(size=(5, 2))
    weights = init.stack_weights(rng, [3, 4, 4, 2], "xavier")
    run = init.stack_forward_backward(x, weights, activation, upstream)

    def loss(first: np.ndarray) -> float:
        out = init.stack_forward_backward(x, [first, *weights[1:]], activation, upstream)
        return float(np.sum(out.activations[-1] * upstream))

    numeric = gradcheck.numerical_gradient(loss, weights[0])
    assert gradcheck.relative_error(run.weight_grads[0], numeric) < 1e-7

    def loss_x(inputs: np.ndarray) -> float:
        out = init.stack_forward_backward(inputs, weights, activation, upstream)
        return float(np.sum(out.activations[-1] * upstream))

    numeric_x = gradcheck.numerical_gradient(loss_x, x)
    assert gradcheck.relative_error(run.activation_grads[0], numeric_x) < 1e-7


def test_gains_for_selu_and_transposed_convolutions_follow_pytorch() -> None:
    # torch.nn.init.calculate_gain: selu 3/4, conv_transpose* 1 (pinned here without torch)
    assert init.calculate_gain("selu") == 0.75
    for name in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        assert init.calculate_gain(name) == 1.0
