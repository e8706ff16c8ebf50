"""Dense layers, δ recursion and the MLP: hand-worked numbers, then every gradient against
central differences (engine.gradcheck) with relative error below 1e-7."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from engine import activations, layers
from engine.gradcheck import numerical_gradient, relative_error

TOL = 1e-7


def half_squared_error(y: np.ndarray, t: np.ndarray) -> float:
    """½‖y − t‖² written out here, so the tests do not lean on engine losses."""
    return 0.5 * float(np.sum((y - t) ** 2))


def sig(v: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-v)), dtype=np.float64)


# ---------------------------------------------------------------- hand-worked forwards


def test_dense_forward_by_hand() -> None:
    W = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
    z = layers.dense_forward(W, [1.0, -1.0], [0.5, 0.0, 2.0])
    assert z.tolist() == [-0.5, -1.0, 0.5]


def test_batch_rows_are_single_examples() -> None:
    rng = np.random.default_rng(1)
    W, b, X = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(5, 4))
    Z = layers.dense_forward_batch(W, X, b)
    assert Z.shape == (5, 3)
    for row, x in zip(Z, X, strict=True):
        np.testing.assert_allclose(row, W @ x + b, rtol=1e-13)


def test_weight_gradient_is_delta_times_input_transposed() -> None:
    dW = layers.weight_gradient([2.0, -1.0], [1.0, 3.0, 0.5])
    assert dW.shape == (2, 3)
    assert dW.tolist() == [[2.0, 6.0, 1.0], [-1.0, -3.0, -0.5]]


def test_neuron_and_two_layer_forward_by_hand() -> None:
    result = layers.neuron_forward([1.0, 2.0], [0.5, -0.25], 0.1, "sigmoid")
    assert result.z == pytest.approx(0.1)
    assert result.a == pytest.approx(1 / (1 + math.exp(-0.1)), rel=1e-14)

    net = layers.two_layer_forward(
        x=[1.0, 2.0],
        W1=[[1.0, -1.0], [0.5, 0.5]],
        b1=[0.0, -1.0],
        W2=[[2.0, 3.0]],
        b2=[1.0],
        activation="relu",
    )
    assert net.z1.tolist() == [-1.0, 0.5]
    assert net.h.tolist() == [0.0, 0.5]
    assert net.y.tolist() == [2.5]


# ---------------------------------------------------------------- backward, one example


def test_dense_backward_single_matches_finite_differences() -> None:
    rng = np.random.default_rng(2)
    W, b, x, t = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4), rng.normal(size=3)
    delta = layers.dense_forward(W, x, b) - t  # ∂(½‖z − t‖²)/∂z
    grads = layers.dense_backward(W, x, delta)

    num_W = numerical_gradient(lambda M: half_squared_error(M @ x + b, t), W)
    num_b = numerical_gradient(lambda v: half_squared_error(W @ x + v, t), b)
    num_x = numerical_gradient(lambda v: half_squared_error(W @ v + b, t), x)
    assert grads.dW.shape == W.shape
    assert relative_error(grads.dW, num_W) < TOL
    assert relative_error(grads.db, num_b) < TOL
    assert relative_error(grads.da_prev, num_x) < TOL


# ---------------------------------------------------------------- backward, a batch


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_dense_backward_batch_matches_finite_differences(reduction: str) -> None:
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(2, 3)), rng.normal(size=2)
    X, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    scale = 1.0 if reduction == "sum" else 1.0 / X.shape[0]

    def loss(weights: np.ndarray, bias: np.ndarray, inputs: np.ndarray) -> float:
        return scale * half_squared_error(inputs @ weights.T + bias, T)

    Delta = scale * (layers.dense_forward_batch(W, X, b) - T)  # the 1/batch lives in Δ
    grads = layers.dense_backward_batch(W, X, Delta)
    assert grads.dW.shape == (2, 3) and grads.db.shape == (2,) and grads.da_prev.shape == (5, 3)
    assert relative_error(grads.dW, numerical_gradient(lambda M: loss(M, b, X), W)) < TOL
    assert relative_error(grads.db, numerical_gradient(lambda v: loss(W, v, X), b)) < TOL
    assert relative_error(grads.da_prev, numerical_gradient(lambda M: loss(W, b, M), X)) < TOL


# ---------------------------------------------------------------- δ at one layer


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu", "elu"])
def test_hidden_delta_is_the_gradient_with_respect_to_z(activation: str) -> None:
    rng = np.random.default_rng(4)
    W2, b2, t = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=2)
    z1 = np.array([0.7, -1.3, 0.4])
    phi = activations.get(activation).fn  # the forward φ only; the witness is the FD below
    y = W2 @ phi(z1) + b2
    delta2 = y - t
    delta1 = layers.hidden_delta(W2, delta2, z1, activation)
    numeric = numerical_gradient(lambda z: half_squared_error(W2 @ phi(z) + b2, t), z1)
    assert relative_error(delta1, numeric) < TOL


def test_output_delta_for_sigmoid_output_by_formula() -> None:
    z = np.array([0.3, -0.8])
    upstream = np.array([1.5, -2.0])
    s = sig(z)
    np.testing.assert_allclose(layers.output_delta(upstream, z, "sigmoid"), upstream * s * (1 - s))


# ---------------------------------------------------------------- the MLP


def build(rng: np.random.Generator, sizes: list[int], acts: list[str]) -> layers.MLP:
    return layers.MLP(
        [
            layers.Dense.of(rng.normal(size=(n_out, n_in)) * 0.8, rng.normal(size=n_out) * 0.3, a)
            for n_in, n_out, a in zip(sizes[:-1], sizes[1:], acts, strict=True)
        ]
    )


MIXES = [
    ["tanh", "relu", "sigmoid"],
    ["gelu", "leaky_relu", "linear"],
    ["swish", "elu", "softplus"],
]


@pytest.mark.parametrize("acts", MIXES)
def test_mlp_backward_single_example_matches_finite_differences(acts: list[str]) -> None:
    rng = np.random.default_rng(5)
    net = build(rng, [4, 5, 3, 2], acts)
    x, t = rng.normal(size=4), rng.normal(size=2)
    out, cache = net.forward(x)
    assert out.shape == (2,) and len(cache.z) == 3 and len(cache.a) == 4
    grads = net.backward(cache, out - t)  # L = ½‖out − t‖²

    def loss_with(index: int, W: np.ndarray | None = None, b: np.ndarray | None = None) -> float:
        swapped = list(net.layers)
        old = swapped[index]
        swapped[index] = layers.Dense(
            old.W if W is None else W, old.b if b is None else b, old.activation
        )
        return half_squared_error(layers.MLP(swapped).forward(x)[0], t)

    def loss_of_weights(index: int, W: np.ndarray) -> float:
        return loss_with(index, W=W)

    def loss_of_bias(index: int, b: np.ndarray) -> float:
        return loss_with(index, b=b)

    for i, layer in enumerate(net.layers):
        num_W = numerical_gradient(partial(loss_of_weights, i), layer.W)
        num_b = numerical_gradient(partial(loss_of_bias, i), layer.b)
        assert grads[i].dW.shape == layer.W.shape
        assert relative_error(grads[i].dW, num_W) < TOL, (i, acts)
        assert relative_error(grads[i].db, num_b) < TOL, (i, acts)
    num_x = numerical_gradient(lambda v: half_squared_error(net.forward(v)[0], t), x)
    assert relative_error(grads[0].da_prev, num_x) < TOL


def test_mlp_backward_batch_mean_loss_matches_finite_differences() -> None:
    rng = np.random.default_rng(6)
    net = build(rng, [3, 4, 4, 2], ["tanh", "gelu", "sigmoid"])
    X, T = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    out, cache = net.forward(X)
    assert out.shape == (6, 2)
    grads = net.backward(cache, (out - T) / X.shape[0])  # L = mean over rows of ½‖out − t‖²

    for i, layer in enumerate(net.layers):

        def loss(M: np.ndarray, i: int = i, layer: layers.Dense = layer) -> float:
            swapped = list(net.layers)
            swapped[i] = layers.Dense(M, layer.b, layer.activation)
            return half_squared_error(layers.MLP(swapped).forward(X)[0], T) / float(X.shape[0])

        assert relative_error(grads[i].dW, numerical_gradient(loss, layer.W)) < TOL
    # Summed over rows: the batch gradient is the sum of the per-example gradients.
    per_example = [
        net.backward(net.forward(x)[1], (net.forward(x)[0] - t) / 6)[0].dW
        for x, t in zip(X, T, strict=True)
    ]
    np.testing.assert_allclose(grads[0].dW, np.sum(per_example, axis=0), rtol=1e-12)


def test_mlp_rejects_mismatched_shapes_and_names() -> None:
    with pytest.raises(ValueError, match="do not chain"):
        layers.MLP(
            [
                layers.Dense.of(np.ones((3, 2)), np.ones(3)),
                layers.Dense.of(np.ones((1, 4)), np.ones(1)),
            ]
        )
    with pytest.raises(ValueError):
        layers.Dense.of(np.ones((3, 2)), np.ones(2))
    with pytest.raises(KeyError):
        layers.Dense.of(np.ones((3, 2)), np.ones(3), "mish")
    with pytest.raises(ValueError):
        layers.MLP([])
