"""The engine against PyTorch itself: every convention the engine claims to share with torch.

docs/formats.md says drill answers follow PyTorch's conventions, and the engine's docstrings say
which ones. Here each claim is checked on random float64 inputs against torch (float64
tensors, autograd for derivatives) to about 1e-10 relative. Torch is large and not a project
dependency, so the whole module is skipped where it is not installed (e.g. in CI).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from engine import (  # noqa: E402  (after the skip on purpose)
    activations,
    attention,
    conv,
    dropout,
    initialization,
    layers,
    losses,
    normalization,
    optimizers,
    regularization,
    schedules,
    softmax,
)
from engine.chain import sigmoid_chain  # noqa: E402

RTOL = 1e-10
ATOL = 1e-12


def tensor(values: Any, grad: bool = False) -> Any:
    """A float64 torch tensor holding `values` (optionally tracking gradients)."""
    return torch.tensor(
        np.asarray(values, dtype=np.float64), dtype=torch.float64, requires_grad=grad
    )


def as_numpy(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def assert_close(ours: Any, theirs: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Engine value `ours` equals torch's `theirs` (a tensor, array or number) to rtol/atol."""
    expected = as_numpy(theirs) if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), expected, rtol=rtol, atol=atol)


def grad_of(f: Callable[[Any], Any], x: np.ndarray, upstream: np.ndarray | None = None) -> Any:
    """∂/∂x of Σ upstream ⊙ f(x) by torch autograd (upstream defaults to ones)."""
    xt = tensor(x, grad=True)
    out = f(xt)
    weights = torch.ones_like(out) if upstream is None else tensor(upstream)
    (g,) = torch.autograd.grad((out * weights).sum(), xt)
    return g


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


# ================================================================= activations

TORCH_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "swish": F.silu,
    "silu": F.silu,
    # The engine documents softplus as exact, without torch's linear cut-off above 20;
    # a threshold no input reaches gives torch's exact form (the default is checked below).
    "softplus": lambda z: F.softplus(z, beta=1.0, threshold=1e6),
}


def _activation_inputs(rng: np.random.Generator) -> np.ndarray:
    """Random points, the kink 0 and a few far-out values, shape (5, 12)."""
    values = rng.normal(0.0, 3.0, size=60)
    values[:6] = [0.0, -0.0, 1e-9, -1e-9, 30.0, -30.0]
    return values.reshape(5, 12)


@pytest.mark.parametrize("name", list(TORCH_ACTIVATIONS))
def test_activation_value(name: str, rng: np.random.Generator) -> None:
    z = _activation_inputs(rng)
    assert_close(activations.get(name).fn(z), TORCH_ACTIVATIONS[name](tensor(z)))


@pytest.mark.parametrize("name", list(TORCH_ACTIVATIONS))
def test_activation_derivative_matches_autograd(name: str, rng: np.random.Generator) -> None:
    z = _activation_inputs(rng)
    assert_close(activations.get(name).derivative(z), grad_of(TORCH_ACTIVATIONS[name], z))


@pytest.mark.parametrize(("name", "expected"), [("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0)])
def test_derivative_at_the_kink_is_autograds(name: str, expected: float) -> None:
    z = np.zeros(3)
    torch_slope = grad_of(TORCH_ACTIVATIONS[name], z)
    assert_close(activations.get(name).derivative(z), torch_slope, atol=0)
    assert_close(torch_slope, np.full(3, expected), atol=0)


def test_softplus_against_torch_default_threshold(rng: np.random.Generator) -> None:
    """Below torch's cut-off (z ≤ 20) the default F.softplus and the exact engine agree."""
    z = rng.uniform(-20.0, 20.0, size=50)
    assert_close(activations.softplus(z), F.softplus(tensor(z)))
    assert_close(activations.d_softplus(z), grad_of(F.softplus, z))


# ================================================================= softmax


@pytest.mark.parametrize("offset", [0.0, 1000.0, -1000.0])
def test_softmax_and_log_softmax(offset: float, rng: np.random.Generator) -> None:
    z = rng.normal(0.0, 4.0, size=(4, 7)) + offset
    assert_close(softmax.softmax(z), F.softmax(tensor(z), dim=-1))
    assert_close(softmax.log_softmax(z), F.log_softmax(tensor(z), dim=-1))
    assert_close(softmax.logsumexp(z), torch.logsumexp(tensor(z), dim=-1))


def test_softmax_backward_and_jacobian(rng: np.random.Generator) -> None:
    z = rng.normal(size=(3, 6))
    g = rng.normal(size=(3, 6))
    assert_close(softmax.softmax_backward(z, g), grad_of(lambda t: F.softmax(t, dim=-1), z, g))
    jac = torch.autograd.functional.jacobian(lambda t: F.softmax(t, dim=-1), tensor(z[0]))
    assert_close(softmax.softmax_jacobian(z[0]), jac)


# ================================================================= losses

REDUCTIONS: list[losses.Reduction] = ["mean", "sum"]


def _loss_grad(loss: Callable[[Any], Any], prediction: np.ndarray) -> Any:
    pt = tensor(prediction, grad=True)
    (g,) = torch.autograd.grad(loss(pt), pt)
    return g


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction: losses.Reduction, rng: np.random.Generator) -> None:
    y, y_hat = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))

    def torch_loss(p: Any) -> Any:
        return F.mse_loss(p, tensor(y), reduction=reduction)

    assert_close(losses.mse(y, y_hat, reduction), torch_loss(tensor(y_hat)))
    assert_close(losses.mse_gradient(y, y_hat, reduction), _loss_grad(torch_loss, y_hat))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1_loss_including_the_kink(reduction: losses.Reduction, rng: np.random.Generator) -> None:
    y, y_hat = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    y_hat[0, 0] = y[0, 0]  # residual exactly 0: torch's subgradient there is 0

    def torch_loss(p: Any) -> Any:
        return F.l1_loss(p, tensor(y), reduction=reduction)

    assert_close(losses.mae(y, y_hat, reduction), torch_loss(tensor(y_hat)))
    assert_close(losses.mae_gradient(y, y_hat, reduction), _loss_grad(torch_loss, y_hat))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_loss(delta: float, reduction: losses.Reduction, rng: np.random.Generator) -> None:
    y, y_hat = rng.normal(size=(5, 4)), rng.normal(0.0, 3.0, size=(5, 4))
    y_hat[0, 0] = y[0, 0] + delta  # exactly on the seam
    y_hat[0, 1] = y[0, 1] - delta

    def torch_loss(p: Any) -> Any:
        return F.huber_loss(p, tensor(y), reduction=reduction, delta=delta)

    assert_close(losses.huber(y, y_hat, delta, reduction), torch_loss(tensor(y_hat)))
    assert_close(losses.huber_gradient(y, y_hat, delta, reduction), _loss_grad(torch_loss, y_hat))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss_with_torch_log_clamp(
    reduction: losses.Reduction, rng: np.random.Generator
) -> None:
    y = rng.integers(0, 2, size=12).astype(np.float64)
    p = rng.uniform(0.01, 0.99, size=12)
    p[:4] = [0.0, 1.0, 0.0, 1.0]  # the −100 clamp: confident and right, confident and wrong
    y[:4] = [0.0, 1.0, 1.0, 0.0]
    y[4] = 0.3  # a soft label

    def torch_loss(q: Any) -> Any:
        return F.binary_cross_entropy(q, tensor(y), reduction=reduction)

    assert_close(losses.binary_cross_entropy(y, p, reduction), torch_loss(tensor(p)))
    assert_close(losses.binary_cross_entropy_gradient(y, p, reduction), _loss_grad(torch_loss, p))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_loss(reduction: losses.Reduction, rng: np.random.Generator) -> None:
    y = rng.integers(0, 2, size=(3, 5)).astype(np.float64)
    x = rng.normal(0.0, 4.0, size=(3, 5))
    x[0, :3] = [0.0, 800.0, -800.0]

    def torch_loss(t: Any) -> Any:
        return F.binary_cross_entropy_with_logits(t, tensor(y), reduction=reduction)

    assert_close(losses.bce_with_logits(y, x, reduction), torch_loss(tensor(x)))
    assert_close(losses.bce_with_logits_gradient(y, x, reduction), _loss_grad(torch_loss, x))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.35])
def test_cross_entropy_class_targets(
    smoothing: float, reduction: losses.Reduction, rng: np.random.Generator
) -> None:
    z = rng.normal(0.0, 3.0, size=(6, 5))
    z[0] += 500.0  # large logits
    target = rng.integers(0, 5, size=6)
    torch_target = torch.tensor(target, dtype=torch.int64)

    def torch_loss(t: Any) -> Any:
        return F.cross_entropy(t, torch_target, reduction=reduction, label_smoothing=smoothing)

    assert_close(
        losses.softmax_cross_entropy(z, target, smoothing, reduction), torch_loss(tensor(z))
    )
    assert_close(
        losses.softmax_cross_entropy_gradient(z, target, smoothing, reduction),
        _loss_grad(torch_loss, z),
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_single_example(smoothing: float, rng: np.random.Generator) -> None:
    z = rng.normal(size=4)
    torch_target = torch.tensor(2, dtype=torch.int64)

    def torch_loss(t: Any) -> Any:
        return F.cross_entropy(t, torch_target, label_smoothing=smoothing)

    assert_close(losses.softmax_cross_entropy(z, 2, smoothing), torch_loss(tensor(z)))
    assert_close(losses.softmax_cross_entropy_gradient(z, 2, smoothing), _loss_grad(torch_loss, z))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_on_probabilities(reduction: losses.Reduction, rng: np.random.Generator) -> None:
    """NLLLoss(log p, target) is the engine's categorical CE of one-hot targets on p."""
    p = softmax.softmax(rng.normal(size=(5, 4)))
    target = rng.integers(0, 4, size=5)
    torch_target = torch.tensor(target, dtype=torch.int64)

    def torch_loss(t: Any) -> Any:
        return F.nll_loss(torch.log(t), torch_target, reduction=reduction)

    onehot = losses.one_hot(target, 4)
    assert_close(losses.categorical_cross_entropy(onehot, p, reduction), torch_loss(tensor(p)))
    assert_close(
        losses.categorical_cross_entropy_gradient(onehot, p, reduction), _loss_grad(torch_loss, p)
    )
    # and NLL of log_softmax is CrossEntropyLoss, the engine's softmax_cross_entropy
    z = rng.normal(size=(5, 4))
    nll = F.nll_loss(F.log_softmax(tensor(z), dim=-1), torch_target, reduction=reduction)
    assert_close(losses.softmax_cross_entropy(z, target, reduction=reduction), nll)


def test_cross_entropy_with_probability_targets(rng: np.random.Generator) -> None:
    """Soft targets: F.cross_entropy(z, q) = the engine's categorical CE of q on softmax(z)."""
    z = rng.normal(size=(3, 4))
    q = softmax.softmax(rng.normal(size=(3, 4)))
    assert_close(
        losses.categorical_cross_entropy(q, softmax.softmax(z)),
        F.cross_entropy(tensor(z), tensor(q)),
    )


# ================================================================= dense layers and MLP


def test_dense_forward_and_backward_batch(rng: np.random.Generator) -> None:
    W, b = rng.normal(size=(3, 5)), rng.normal(size=3)
    X, Delta = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    Wt, bt, Xt = tensor(W, grad=True), tensor(b, grad=True), tensor(X, grad=True)
    Z = F.linear(Xt, Wt, bt)
    assert_close(layers.dense_forward_batch(W, X, b), Z)
    dW, db, dX = torch.autograd.grad((Z * tensor(Delta)).sum(), (Wt, bt, Xt))
    grads = layers.dense_backward_batch(W, X, Delta)
    assert_close(grads.dW, dW)
    assert_close(grads.db, db)
    assert_close(grads.da_prev, dX)


def test_dense_forward_and_backward_one_example(rng: np.random.Generator) -> None:
    W, b, x, delta = (
        rng.normal(size=(3, 5)),
        rng.normal(size=3),
        rng.normal(size=5),
        rng.normal(size=3),
    )
    Wt, bt, xt = tensor(W, grad=True), tensor(b, grad=True), tensor(x, grad=True)
    z = F.linear(xt, Wt, bt)
    assert_close(layers.dense_forward(W, x, b), z)
    dW, db, dx = torch.autograd.grad((z * tensor(delta)).sum(), (Wt, bt, xt))
    grads = layers.dense_backward(W, x, delta)
    assert_close(grads.dW, dW)
    assert_close(grads.db, db)
    assert_close(grads.da_prev, dx)


TORCH_MODULES: dict[str, Callable[[], Any]] = {
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "relu": torch.nn.ReLU,
    "gelu": torch.nn.GELU,
    "elu": torch.nn.ELU,
    "swish": torch.nn.SiLU,
    "linear": torch.nn.Identity,
}


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize(
    "acts", [("tanh", "relu", "linear"), ("sigmoid", "gelu", "swish"), ("elu", "tanh", "sigmoid")]
)
def test_mlp_backward_matches_autograd_of_mse_mean(
    acts: tuple[str, str, str], batched: bool, rng: np.random.Generator
) -> None:
    widths = [4, 6, 5, 3]
    Ws = [rng.normal(0, 0.7, size=(o, i)) for i, o in pairwise(widths)]
    bs = [rng.normal(size=o) for o in widths[1:]]
    shape = (7, 4) if batched else (4,)
    X, Y = rng.normal(size=shape), rng.normal(size=(*shape[:-1], 3))

    net = layers.MLP([layers.Dense.of(W, b, a) for W, b, a in zip(Ws, bs, acts, strict=True)])
    out, cache = net.forward(X)
    grads = net.backward(cache, losses.mse_gradient(Y, out))  # MSELoss mean over every element

    modules: list[Any] = []
    for W, b, act in zip(Ws, bs, acts, strict=True):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(tensor(W))
            lin.bias.copy_(tensor(b))
        modules += [lin, TORCH_MODULES[act]()]
    model = torch.nn.Sequential(*modules)
    Xt = tensor(X, grad=True)
    torch_out = model(Xt)
    loss = F.mse_loss(torch_out, tensor(Y))
    loss.backward()
    assert_close(out, torch_out)
    assert_close(losses.mse(Y, out), loss)
    for mine, lin in zip(grads, modules[::2], strict=True):
        assert_close(mine.dW, lin.weight.grad)
        assert_close(mine.db, lin.bias.grad)
    assert_close(grads[0].da_prev, Xt.grad)


def test_two_layer_forward(rng: np.random.Generator) -> None:
    x, W1, b1 = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(2, 4)), rng.normal(size=2)
    result = layers.two_layer_forward(x, W1, b1, W2, b2, "tanh")
    expected = F.linear(
        torch.tanh(F.linear(tensor(x), tensor(W1), tensor(b1))), tensor(W2), tensor(b2)
    )
    assert_close(result.y, expected)


def test_sigmoid_chain_gradients(rng: np.random.Generator) -> None:
    x, y, w1, b1, w2, b2 = (float(v) for v in rng.normal(size=6))
    params = [tensor(v, grad=True) for v in (x, w1, b1, w2, b2)]
    xt, w1t, b1t, w2t, b2t = params
    y_hat = torch.sigmoid(w2t * torch.sigmoid(w1t * xt + b1t) + b2t)
    loss = (y - y_hat) ** 2
    dx, dw1, db1, dw2, db2 = torch.autograd.grad(loss, params)
    chain = sigmoid_chain(x, y, w1, b1, w2, b2)
    assert_close(chain.loss, loss)
    assert_close(
        [chain.dL_dw1, chain.dL_db1, chain.dL_dw2, chain.dL_db2, chain.dL_dx],
        [float(dw1), float(db1), float(dw2), float(db2), float(dx)],
    )


# ================================================================= dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_dropout_matches_torch(p: float, rng: np.random.Generator) -> None:
    """Torch samples its own mask; read it off the output and give the engine the same one."""
    h = rng.uniform(0.5, 2.0, size=(20, 30)) * rng.choice([-1.0, 1.0], size=(20, 30))
    upstream = rng.normal(size=h.shape)
    torch.manual_seed(7)
    ht = tensor(h, grad=True)
    out = F.dropout(ht, p=p, training=True)
    (grad_h,) = torch.autograd.grad((out * tensor(upstream)).sum(), ht)
    mask = (as_numpy(out) != 0.0).astype(np.float64)
    assert 0 < mask.sum() < mask.size
    ours, returned_mask = dropout.dropout_forward(h, p, mask=mask)
    assert_close(ours, out)
    assert_close(returned_mask, mask, atol=0)
    assert_close(ours, mask * h / (1.0 - p))  # torch's formula with this mask
    assert_close(dropout.dropout_backward(upstream, mask, p), grad_h)


def test_dropout_eval_and_p_one(rng: np.random.Generator) -> None:
    h = rng.normal(size=(3, 4))
    ours, _ = dropout.dropout_forward(h, 0.3, training=False)
    assert_close(ours, F.dropout(tensor(h), p=0.3, training=False), atol=0)
    all_dropped, _ = dropout.dropout_forward(h, 1.0, mask=np.zeros_like(h))
    assert_close(all_dropped, F.dropout(tensor(h), p=1.0, training=True), atol=0)
    assert_close(dropout.keep_scale(0.25), 1.0 / 0.75)


# ================================================================= initialization

GAIN_CASES = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0.0),
    ("selu", None),
]


@pytest.mark.parametrize(("name", "param"), GAIN_CASES)
def test_calculate_gain(name: str, param: float | None) -> None:
    assert_close(
        initialization.calculate_gain(name, param), torch.nn.init.calculate_gain(name, param)
    )


@pytest.mark.parametrize("shape", [(7, 3), (1, 9), (8, 3, 5, 5), (4, 2, 3), (6, 4, 2, 3, 3)])
def test_fans(shape: tuple[int, ...]) -> None:
    torch_fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert initialization.fans(shape) == torch_fans


def _seeded(fill: Callable[[Any], Any], shape: tuple[int, ...]) -> np.ndarray:
    torch.manual_seed(1234)
    w = torch.empty(shape, dtype=torch.float64)
    with torch.no_grad():
        fill(w)
    return as_numpy(w)


INIT_SHAPES = [(50, 30), (16, 8, 3, 3)]


@pytest.mark.parametrize("shape", INIT_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5.0 / 3.0, math.sqrt(2.0)])
def test_xavier_std_and_bound_exactly(shape: tuple[int, ...], gain: float) -> None:
    """Same torch seed, torch's initializer vs a plain normal_/uniform_ with the engine's scale."""
    fan_in, fan_out = initialization.fans(shape)
    std = initialization.xavier_std(fan_in, fan_out, gain)
    bound = initialization.xavier_bound(fan_in, fan_out, gain)
    assert_close(std**2, initialization.xavier_variance(fan_in, fan_out, gain))
    assert_close(
        _seeded(lambda w: w.normal_(0.0, std), shape),
        _seeded(lambda w: torch.nn.init.xavier_normal_(w, gain=gain), shape),
    )
    assert_close(
        _seeded(lambda w: w.uniform_(-bound, bound), shape),
        _seeded(lambda w: torch.nn.init.xavier_uniform_(w, gain=gain), shape),
    )


KAIMING_CASES = [
    ("fan_in", "leaky_relu", 0.0),
    ("fan_out", "leaky_relu", 0.0),
    ("fan_in", "relu", 0.0),
    ("fan_out", "relu", 0.0),
    ("fan_in", "leaky_relu", 0.2),
    ("fan_in", "tanh", 0.0),
    ("fan_out", "linear", 0.0),
]


@pytest.mark.parametrize("shape", INIT_SHAPES)
@pytest.mark.parametrize(("mode", "nonlinearity", "a"), KAIMING_CASES)
def test_kaiming_std_and_bound_exactly(
    shape: tuple[int, ...], mode: Any, nonlinearity: str, a: float
) -> None:
    fan_in, fan_out = initialization.fans(shape)
    std = initialization.he_std(fan_in, fan_out, mode, nonlinearity, a)
    bound = initialization.he_bound(fan_in, fan_out, mode, nonlinearity, a)
    assert_close(std**2, initialization.he_variance(fan_in, fan_out, mode, nonlinearity, a))
    assert_close(
        _seeded(lambda w: w.normal_(0.0, std), shape),
        _seeded(lambda w: torch.nn.init.kaiming_normal_(w, a, mode, nonlinearity), shape),
    )
    assert_close(
        _seeded(lambda w: w.uniform_(-bound, bound), shape),
        _seeded(lambda w: torch.nn.init.kaiming_uniform_(w, a, mode, nonlinearity), shape),
    )


def test_kaiming_defaults_and_empirical_scale() -> None:
    """Defaults (a = 0, fan_in, leaky_relu → 2/fan_in): empirical std and max |w| ≤ bound."""
    shape = (400, 500)
    fan_in, fan_out = initialization.fans(shape)
    torch.manual_seed(3)
    normal = as_numpy(torch.nn.init.kaiming_normal_(torch.empty(shape, dtype=torch.float64)))
    uniform = as_numpy(torch.nn.init.kaiming_uniform_(torch.empty(shape, dtype=torch.float64)))
    assert initialization.he_variance(fan_in, fan_out) == pytest.approx(2.0 / fan_in, rel=1e-15)
    assert initialization.init_variance("he", fan_in, fan_out) == pytest.approx(2.0 / fan_in)
    assert normal.std() == pytest.approx(initialization.he_std(fan_in, fan_out), rel=0.01)
    bound = initialization.he_bound(fan_in, fan_out)
    assert np.abs(uniform).max() <= bound
    assert np.abs(uniform).max() > 0.999 * bound
    assert uniform.std() == pytest.approx(bound / math.sqrt(3.0), rel=0.01)
    xavier = as_numpy(torch.nn.init.xavier_normal_(torch.empty(shape, dtype=torch.float64)))
    assert xavier.var() == pytest.approx(
        initialization.init_variance("xavier", fan_in, fan_out), rel=0.02
    )


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize(
    ("scheme", "nonlinearity", "mode", "slope"),
    [
        ("xavier", "tanh", "fan_in", None),
        ("xavier", "leaky_relu", "fan_in", None),
        ("xavier", "leaky_relu", "fan_in", 0.3),
        ("xavier", "sigmoid", "fan_in", None),
        ("he", "relu", "fan_in", None),
        ("he", "relu", "fan_out", None),
        ("he", "leaky_relu", "fan_in", None),
        ("he", "leaky_relu", "fan_out", 0.1),
    ],
)
def test_init_scale_is_what_torch_uses(
    scheme: str, nonlinearity: str, mode: Any, slope: float | None, distribution: str
) -> None:
    shape = (20, 12)
    fan_in, fan_out = initialization.fans(shape)
    scale = initialization.init_scale(
        scheme, distribution, fan_in, fan_out, nonlinearity, mode, slope
    )
    init = torch.nn.init
    fill: Callable[[Any], Any]
    if scheme == "xavier":
        gain = init.calculate_gain(nonlinearity, slope)
        fill = (
            (lambda w: init.xavier_normal_(w, gain))
            if distribution == "normal"
            else (lambda w: init.xavier_uniform_(w, gain))
        )
    else:
        a = 0.0 if slope is None else slope
        fill = (
            (lambda w: init.kaiming_normal_(w, a, mode, nonlinearity))
            if distribution == "normal"
            else (lambda w: init.kaiming_uniform_(w, a, mode, nonlinearity))
        )
    ours = (
        (lambda w: w.normal_(0.0, scale))
        if distribution == "normal"
        else (lambda w: w.uniform_(-scale, scale))
    )
    assert_close(_seeded(ours, shape), _seeded(fill, shape))


# ================================================================= normalization


def test_batch_norm_1d_train_two_steps_then_eval(rng: np.random.Generator) -> None:
    features = 4
    gamma, beta = rng.normal(size=features), rng.normal(size=features)
    ours = normalization.BatchNorm1d(features)
    ours.gamma, ours.beta = gamma.copy(), beta.copy()
    bn = torch.nn.BatchNorm1d(features, eps=1e-5, momentum=0.1, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(tensor(gamma))
        bn.bias.copy_(tensor(beta))
    bn.train()
    for batch in (6, 5):
        X = rng.normal(2.0, 3.0, size=(batch, features))
        assert_close(ours.forward(X), bn(tensor(X)))
        assert_close(ours.running_mean, bn.running_mean)
        assert_close(ours.running_var, bn.running_var)  # unbiased batch variance
    ours.training = False
    bn.eval()
    X = rng.normal(size=(3, features))
    assert_close(ours.forward(X), bn(tensor(X)))
    assert_close(
        normalization.batch_norm_eval(X, ours.running_mean, ours.running_var, gamma, beta),
        bn(tensor(X)),
    )


def test_batch_norm_functions_and_backward(rng: np.random.Generator) -> None:
    X, G = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    Xt, gt, bt = tensor(X, grad=True), tensor(gamma, grad=True), tensor(beta, grad=True)
    Y = F.batch_norm(Xt, None, None, gt, bt, training=True, eps=1e-5)
    assert_close(normalization.batch_norm_train(X, gamma, beta), Y)
    assert_close(
        normalization.batch_normalize(X), F.batch_norm(tensor(X), None, None, training=True)
    )
    dX, dgamma, dbeta = torch.autograd.grad((Y * tensor(G)).sum(), (Xt, gt, bt))
    ours = normalization.batch_norm_backward(G, X, gamma)
    assert_close(ours[0], dX)
    assert_close(ours[1], dgamma)
    assert_close(ours[2], dbeta)
    # eval-mode backward: the running statistics are constants
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2.0, size=3)
    Xt2 = tensor(X, grad=True)
    Y2 = F.batch_norm(Xt2, tensor(rm), tensor(rv), tensor(gamma), tensor(beta), training=False)
    (dX2,) = torch.autograd.grad((Y2 * tensor(G)).sum(), Xt2)
    assert_close(normalization.batch_norm_eval_backward(G, rv, gamma), dX2)


def test_layer_norm_forward_and_backward(rng: np.random.Generator) -> None:
    d = 6
    x, G = rng.normal(1.0, 2.0, size=(2, 3, d)), rng.normal(size=(2, 3, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    ln = torch.nn.LayerNorm(d, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(tensor(gamma))
        ln.bias.copy_(tensor(beta))
    xt = tensor(x, grad=True)
    y = ln(xt)
    assert_close(normalization.layer_norm(x, gamma, beta), y)
    assert_close(normalization.layer_normalize(x), F.layer_norm(tensor(x), (d,), eps=1e-5))
    (y * tensor(G)).sum().backward()
    dx, dgamma, dbeta = normalization.layer_norm_backward(G, x, gamma)
    assert_close(dx, xt.grad)
    assert_close(dgamma, ln.weight.grad)
    assert_close(dbeta, ln.bias.grad)


@pytest.mark.parametrize("eps", [1e-5, 1e-6])
def test_rms_norm_forward_and_backward(eps: float, rng: np.random.Generator) -> None:
    d = 5
    x, G, gamma = rng.normal(size=(4, d)), rng.normal(size=(4, d)), rng.normal(size=d)
    # eps explicit: torch's default for RMSNorm is the dtype's machine epsilon, not 1e-5
    norm = torch.nn.RMSNorm(d, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        norm.weight.copy_(tensor(gamma))
    xt = tensor(x, grad=True)
    y = norm(xt)
    assert_close(normalization.rms_norm(x, gamma, eps), y)
    (y * tensor(G)).sum().backward()
    dx, dgamma = normalization.rms_norm_backward(G, x, gamma, eps)
    assert_close(dx, xt.grad)
    assert_close(dgamma, norm.weight.grad)


# ================================================================= optimizers

STEPS = 5


def _torch_trajectory(
    make: Callable[[list[Any]], Any], theta: np.ndarray, grads: list[np.ndarray]
) -> list[np.ndarray]:
    p = tensor(theta, grad=True)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = tensor(g)
        opt.step()
        out.append(as_numpy(p).copy())
    return out


def _engine_trajectory(
    step: Callable[[np.ndarray, np.ndarray, Any], tuple[np.ndarray, Any]],
    state: Any,
    theta: np.ndarray,
    grads: list[np.ndarray],
) -> list[np.ndarray]:
    out = []
    for g in grads:
        theta, state = step(theta, g, state)
        out.append(theta)
    return out


def _problem(rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    return rng.normal(size=(3, 4)), [rng.normal(size=(3, 4)) for _ in range(STEPS)]


def _compare_trajectories(ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    for mine, reference in zip(ours, theirs, strict=True):
        assert_close(mine, reference)


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_plain_sgd(weight_decay: float, rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    ours = _engine_trajectory(
        lambda t, g, s: (optimizers.sgd(t, g, 0.1, weight_decay), s), None, theta, grads
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=weight_decay), theta, grads
    )
    _compare_trajectories(ours, theirs)


@pytest.mark.parametrize(
    ("momentum", "dampening", "weight_decay", "nesterov"),
    [
        (0.9, 0.0, 0.0, False),
        (0.9, 0.0, 0.01, False),
        (0.8, 0.3, 0.0, False),
        (0.9, 0.0, 0.0, True),
        (0.7, 0.0, 0.02, True),
    ],
)
def test_sgd_momentum(
    momentum: float, dampening: float, weight_decay: float, nesterov: bool, rng: np.random.Generator
) -> None:
    theta, grads = _problem(rng)

    def step(t: np.ndarray, g: np.ndarray, s: Any) -> tuple[np.ndarray, Any]:
        return optimizers.sgd_momentum(t, g, s, 0.05, momentum, dampening, weight_decay, nesterov)

    ours = _engine_trajectory(step, optimizers.MomentumState(), theta, grads)
    theirs = _torch_trajectory(
        lambda ps: torch.optim.SGD(
            ps,
            lr=0.05,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        ),
        theta,
        grads,
    )
    _compare_trajectories(ours, theirs)


def test_nesterov_function(rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    ours = _engine_trajectory(
        lambda t, g, s: optimizers.nesterov(t, g, s, 0.05, 0.9, 0.01),
        optimizers.MomentumState(),
        theta,
        grads,
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True),
        theta,
        grads,
    )
    _compare_trajectories(ours, theirs)


def test_sgd_momentum_first_step_uses_the_gradient_as_buffer(rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    p = tensor(theta, grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = tensor(grads[0])
    opt.step()
    new_theta, state = optimizers.sgd_momentum(
        theta, grads[0], optimizers.MomentumState(), 0.1, 0.9, 0.5
    )
    assert_close(new_theta, p)
    assert state.buffer is not None
    assert_close(state.buffer, opt.state[p]["momentum_buffer"])
    assert_close(state.buffer, grads[0], atol=0)  # undampened on the first step


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adagrad(weight_decay: float, rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    ours = _engine_trajectory(
        lambda t, g, s: optimizers.adagrad(t, g, s, 0.1, 1e-10, weight_decay),
        optimizers.AdaGradState.start(theta),
        theta,
        grads,
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.Adagrad(ps, lr=0.1, eps=1e-10, weight_decay=weight_decay),
        theta,
        grads,
    )
    _compare_trajectories(ours, theirs)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_rmsprop(weight_decay: float, rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    ours = _engine_trajectory(
        lambda t, g, s: optimizers.rmsprop(t, g, s, 0.01, 0.99, 1e-8, weight_decay),
        optimizers.RMSpropState.start(theta),
        theta,
        grads,
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.RMSprop(
            ps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=weight_decay
        ),
        theta,
        grads,
    )
    _compare_trajectories(ours, theirs)


@pytest.mark.parametrize(
    ("lr", "betas", "eps", "weight_decay"),
    [
        (1e-3, (0.9, 0.999), 1e-8, 0.0),
        (0.1, (0.8, 0.99), 1e-3, 0.0),
        (0.01, (0.9, 0.999), 1e-8, 0.1),
    ],
)
def test_adam(
    lr: float, betas: tuple[float, float], eps: float, weight_decay: float, rng: np.random.Generator
) -> None:
    theta, grads = _problem(rng)
    grads[1] = grads[1] * 1e-6  # tiny gradients make eps (after bias correction) matter
    ours = _engine_trajectory(
        lambda t, g, s: optimizers.adam(t, g, s, lr, betas[0], betas[1], eps, weight_decay),
        optimizers.AdamState.start(theta),
        theta,
        grads,
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay),
        theta,
        grads,
    )
    _compare_trajectories(ours, theirs)


def test_adam_state_matches_torch(rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    p = tensor(theta, grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    state = optimizers.AdamState.start(theta)
    for g in grads[:3]:
        p.grad = tensor(g)
        opt.step()
        theta, state = optimizers.adam(theta, g, state, 0.01)
    assert_close(state.m, opt.state[p]["exp_avg"])
    assert_close(state.v, opt.state[p]["exp_avg_sq"])
    assert state.step == int(opt.state[p]["step"])


@pytest.mark.parametrize(("lr", "weight_decay"), [(1e-3, 1e-2), (0.05, 0.3)])
def test_adamw(lr: float, weight_decay: float, rng: np.random.Generator) -> None:
    theta, grads = _problem(rng)
    ours = _engine_trajectory(
        lambda t, g, s: optimizers.adamw(t, g, s, lr, 0.9, 0.999, 1e-8, weight_decay),
        optimizers.AdamState.start(theta),
        theta,
        grads,
    )
    theirs = _torch_trajectory(
        lambda ps: torch.optim.AdamW(ps, lr=lr, weight_decay=weight_decay), theta, grads
    )
    _compare_trajectories(ours, theirs)


def test_l2_weight_decay_and_l1_subgradient(rng: np.random.Generator) -> None:
    w, g = rng.normal(size=6), rng.normal(size=6)
    w[0] = 0.0
    theirs = _torch_trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.2), w, [g])[0]
    assert_close(regularization.sgd_step_with_weight_decay(w, g, 0.1, 0.2), theirs)
    assert_close(regularization.decay_then_step(w, g, 0.1, 0.2), theirs)
    assert_close(regularization.l2_penalty_grad(w, 0.2), grad_of(lambda t: 0.1 * (t**2), w))
    assert_close(regularization.l1_subgradient(w, 0.3), grad_of(lambda t: 0.3 * t.abs(), w))


# ================================================================= schedules


def _torch_lrs(make: Callable[[Any], Any], epochs: int, base_lr: float = 0.5) -> list[float]:
    opt = torch.optim.SGD([tensor([0.0], grad=True)], lr=base_lr)
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize(("step_size", "gamma"), [(3, 0.1), (1, 0.5), (4, 0.7)])
def test_step_lr(step_size: int, gamma: float) -> None:
    theirs = _torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), 15)
    assert_close([schedules.step_decay(0.5, t, step_size, gamma) for t in range(15)], theirs)


@pytest.mark.parametrize("gamma", [0.9, 0.5, 0.99])
def test_exponential_lr(gamma: float) -> None:
    theirs = _torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), 15)
    assert_close([schedules.exponential_decay(0.5, t, gamma) for t in range(15)], theirs)


@pytest.mark.parametrize(("t_max", "eta_min"), [(10, 0.0), (7, 0.01), (4, 0.1)])
def test_cosine_annealing_lr(t_max: int, eta_min: float) -> None:
    epochs = 2 * t_max + 3  # past T the closed form climbs again, and so does torch
    theirs = _torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=t_max, eta_min=eta_min),
        epochs,
    )
    ours = [schedules.cosine_annealing(0.5, t, t_max, eta_min) for t in range(epochs)]
    assert_close(ours, theirs, atol=1e-12)


# ================================================================= gradient clipping


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_grad_norm(max_norm: float, rng: np.random.Generator) -> None:
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5), rng.normal(size=())]
    params = [tensor(np.zeros_like(g), grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = tensor(g)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, our_total = regularization.clip_grad_norm(grads, max_norm)
    assert_close(our_total, total)
    for mine, p in zip(clipped, params, strict=True):
        assert_close(mine, p.grad)


def test_clip_grad_norm_coefficient_has_the_1e_minus_6(rng: np.random.Generator) -> None:
    """A norm just over max_norm: the 1e-6 decides the factor, so it must match torch's."""
    g = rng.normal(size=8)
    g *= 1.0 / np.linalg.norm(g)
    p = tensor(np.zeros(8), grad=True)
    p.grad = tensor(g)
    torch.nn.utils.clip_grad_norm_([p], 1.0)
    assert_close(regularization.clip_vector_norm(g, 1.0), p.grad)
    assert_close(regularization.clip_coefficient(1.0, 1.0), 1.0 / (1.0 + 1e-6))


def test_clip_grad_value(rng: np.random.Generator) -> None:
    grads = [rng.normal(0, 2, size=(4, 3)), rng.normal(0, 2, size=6)]
    params = [tensor(np.zeros_like(g), grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = tensor(g)
    torch.nn.utils.clip_grad_value_(params, 1.3)
    for mine, p in zip(regularization.clip_grad_value(grads, 1.3), params, strict=True):
        assert_close(mine, p.grad, atol=0)


# ================================================================= attention


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("n_q", "n_k"), [(5, 5), (3, 6), (6, 4)])
def test_scaled_dot_product_attention(
    causal: bool, n_q: int, n_k: int, rng: np.random.Generator
) -> None:
    Q, K, V = (
        rng.normal(size=(2, 3, n_q, 4)),
        rng.normal(size=(2, 3, n_k, 4)),
        rng.normal(size=(2, 3, n_k, 5)),
    )
    ours = attention.scaled_dot_product_attention(Q, K, V, causal=causal)
    theirs = F.scaled_dot_product_attention(tensor(Q), tensor(K), tensor(V), is_causal=causal)
    assert_close(ours.output, theirs)


def test_attention_with_mask_and_scale(rng: np.random.Generator) -> None:
    Q, K, V = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    mask = rng.random((4, 5)) < 0.6
    mask[:, 0] = True
    ours = attention.scaled_dot_product_attention(Q, K, V, mask=mask, scale=0.3)
    theirs = F.scaled_dot_product_attention(
        tensor(Q), tensor(K), tensor(V), attn_mask=torch.tensor(mask), scale=0.3
    )
    assert_close(ours.output, theirs)
    by_hand = F.softmax(tensor(Q) @ tensor(K).T / math.sqrt(3.0), dim=-1)
    assert_close(attention.attention_weights(Q, K), by_hand)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_against_nn_multihead(causal: bool, rng: np.random.Generator) -> None:
    d_model, heads, n = 8, 2, 5
    Wq, Wk, Wv, Wo = (rng.normal(0, 0.4, size=(d_model, d_model)) for _ in range(4))
    X = rng.normal(size=(n, d_model))
    mha = torch.nn.MultiheadAttention(
        d_model, heads, bias=False, batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        mha.in_proj_weight.copy_(tensor(np.concatenate([Wq, Wk, Wv])))
        mha.out_proj.weight.copy_(tensor(Wo))
    # nn.MultiheadAttention's boolean mask is the opposite of SDPA's: True means blocked
    blocked = torch.tensor(~attention.causal_mask(n)) if causal else None
    out, weights = mha(
        tensor(X),
        tensor(X),
        tensor(X),
        attn_mask=blocked,
        need_weights=True,
        average_attn_weights=False,
    )
    ours = attention.multi_head_attention(X, X, X, heads, Wq, Wk, Wv, Wo, causal=causal)
    assert_close(ours.output, out)
    assert_close(ours.weights, weights)


# ================================================================= convolution and pooling


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), ((2, 1), (0, 2)), (3, 2)])
def test_conv2d(stride: Any, padding: Any, rng: np.random.Generator) -> None:
    X, W, b = rng.normal(size=(3, 9, 8)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    theirs = F.conv2d(tensor(X)[None], tensor(W), tensor(b), stride=stride, padding=padding)[0]
    assert_close(conv.conv2d(X, W, b, stride, padding), theirs)


def test_conv2d_single_channel_is_cross_correlation(rng: np.random.Generator) -> None:
    X, k = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    theirs = F.conv2d(tensor(X)[None, None], tensor(k)[None, None], tensor([0.7]))[0, 0]
    assert_close(conv.conv2d(X, k, 0.7), theirs)


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_pooling(kernel: Any, stride: Any, rng: np.random.Generator) -> None:
    X = rng.normal(size=(2, 7, 8))
    assert_close(conv.max_pool2d(X, kernel, stride), F.max_pool2d(tensor(X), kernel, stride))
    assert_close(conv.avg_pool2d(X, kernel, stride), F.avg_pool2d(tensor(X), kernel, stride))


@pytest.mark.parametrize(
    ("n", "kernel", "padding", "stride", "dilation"),
    [(28, 5, 0, 1, 1), (32, 3, 1, 2, 1), (7, 3, 0, 2, 1), (10, 4, 2, 3, 1), (15, 3, 1, 2, 2)],
)
def test_conv_output_size(n: int, kernel: int, padding: int, stride: int, dilation: int) -> None:
    layer = torch.nn.Conv2d(1, 1, kernel, stride, padding, dilation)
    assert (
        conv.conv_output_size(n, kernel, padding, stride, dilation)
        == layer(torch.zeros(1, 1, n, n)).shape[-1]
    )


@pytest.mark.parametrize("bias", [True, False])
def test_parameter_counts(bias: bool) -> None:
    widths = [784, 128, 64, 10]
    mlp = torch.nn.Sequential(*(torch.nn.Linear(a, b, bias=bias) for a, b in pairwise(widths)))
    assert conv.mlp_param_count(widths, bias) == sum(p.numel() for p in mlp.parameters())
    assert conv.linear_param_count(20, 7, bias) == sum(
        p.numel() for p in torch.nn.Linear(20, 7, bias=bias).parameters()
    )
    cases: list[tuple[int, int, conv.Pair]] = [(3, 16, 3), (16, 32, (5, 3)), (1, 6, 5)]
    for c_in, c_out, kernel in cases:
        layer = torch.nn.Conv2d(c_in, c_out, kernel, bias=bias)
        assert conv.conv_param_count(c_in, c_out, kernel, bias) == sum(
            p.numel() for p in layer.parameters()
        )


# ================================================================= the drills' answers
#
# The drills promise PyTorch's conventions (docs/formats.md). Each generated problem's `inputs`
# are complete, so torch can recompute every answer of the topics it has an analogue for.

Inputs = dict[str, Any]


def _activation_of(inputs: Inputs) -> Callable[[Any], Any]:
    return TORCH_ACTIVATIONS[str(inputs["activation"])]


def _one_step(
    make: Callable[[list[Any]], Any], theta: Any, grad: Any, state: dict[str, Any]
) -> Any:
    """θ after one torch.optim step from the given optimizer state (tensors keyed as torch's)."""
    p = tensor(theta, grad=True)
    opt = make([p])
    opt.state[p].update(state)
    p.grad = tensor(grad)
    opt.step()
    return p


def _step_state(t: int) -> Any:
    return torch.tensor(float(t), dtype=torch.float64)


def _adam_state(i: Inputs) -> dict[str, Any]:
    return {
        "step": _step_state(int(i["t"]) - 1),
        "exp_avg": tensor(i["m"]),
        "exp_avg_sq": tensor(i["v"]),
    }


def _chain_rule(i: Inputs) -> Any:
    w1 = tensor(i["w1"], grad=True)
    y_hat = torch.sigmoid(i["w2"] * torch.sigmoid(w1 * i["x"] + i["b1"]) + i["b2"])
    (g,) = torch.autograd.grad((i["y"] - y_hat) ** 2, w1)
    return g


def _mlp_backward_w1(i: Inputs) -> Any:
    W1 = tensor(i["W1"], grad=True)
    h = _activation_of(i)(F.linear(tensor(i["x"]), W1, tensor(i["b1"])))
    y_hat = F.linear(h, tensor(i["W2"]), tensor(i["b2"]))
    (g,) = torch.autograd.grad(0.5 * ((y_hat - tensor(i["t"])) ** 2).sum(), W1)
    return g


def _delta_recursion(i: Inputs) -> Any:
    """δ = ∂L/∂z where L reaches z only through z_next = W_next·φ(z) with ∂L/∂z_next given."""
    z = tensor(i["z"], grad=True)
    z_next = F.linear(_activation_of(i)(z), tensor(i["W_next"]))
    (g,) = torch.autograd.grad((z_next * tensor(i["delta_next"])).sum(), z)
    return g


def _dense_backward(i: Inputs) -> Any:
    a_prev, delta = tensor(i["a_prev"]), tensor(i["delta"])
    W = torch.zeros(delta.shape[0], a_prev.shape[0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((F.linear(a_prev, W) * delta).sum(), W)
    return g


def _layer_norm_backward(i: Inputs) -> Any:
    x = np.asarray(i["x"], dtype=np.float64)
    return grad_of(
        lambda t: F.layer_norm(t, (x.shape[-1],), eps=i["eps"]), x, np.asarray(i["grad_y"])
    )


def _running_var(i: Inputs) -> Any:
    X = tensor(i["X"])
    running_mean, running_var = (
        torch.zeros(X.shape[1], dtype=torch.float64),
        tensor(i["running_var"]),
    )
    F.batch_norm(X, running_mean, running_var, training=True, momentum=i["momentum"])
    return running_var


def _init_by_seed(i: Inputs, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Torch's initializer for these inputs, and a plain normal_/uniform_ with `scale`,
    from the same seed."""
    shape = (int(i["fan_out"]), int(i["fan_in"]))
    init, distribution = torch.nn.init, i.get("distribution", "normal")
    if i["scheme"] == "xavier":
        gain = init.calculate_gain(i.get("nonlinearity", "linear"), i.get("negative_slope"))
        fill = init.xavier_normal_ if distribution == "normal" else init.xavier_uniform_
        theirs = _seeded(lambda w: fill(w, gain), shape)
    else:
        a = i.get("negative_slope") or 0.0
        mode = i.get("mode", "fan_in")
        nonlinearity = i.get("nonlinearity", "leaky_relu" if i["scheme"] == "he" else "linear")
        fill = init.kaiming_normal_ if distribution == "normal" else init.kaiming_uniform_
        theirs = _seeded(lambda w: fill(w, a, mode, nonlinearity), shape)
    if distribution == "normal":
        ours = _seeded(lambda w: w.normal_(0.0, scale), shape)
    else:
        ours = _seeded(lambda w: w.uniform_(-scale, scale), shape)
    return ours, theirs


def _lr_schedule(i: Inputs) -> float:
    base, step = float(i["base_lr"]), int(i["step"])
    sched = torch.optim.lr_scheduler

    def make(optimizer: Any) -> Any:
        if i["schedule"] == "step":
            return sched.StepLR(optimizer, int(i["step_size"]), i["gamma"])
        return sched.CosineAnnealingLR(optimizer, int(i["total_steps"]), i["min_lr"])

    return _torch_lrs(make, step + 1, base)[step]


def _clip_norm(i: Inputs) -> Any:
    p = tensor(np.zeros_like(np.asarray(i["grad"], dtype=np.float64)), grad=True)
    p.grad = tensor(i["grad"])
    torch.nn.utils.clip_grad_norm_([p], i["max_norm"])
    return p.grad


def _clip_value(i: Inputs) -> Any:
    p = tensor(np.zeros_like(np.asarray(i["grad"], dtype=np.float64)), grad=True)
    p.grad = tensor(i["grad"])
    torch.nn.utils.clip_grad_value_([p], i["clip_value"])
    return p.grad


def _causal_weights(i: Inputs) -> Any:
    """SDPA with V = identity returns the attention weights themselves."""
    n_k = len(i["K"])
    return F.scaled_dot_product_attention(
        tensor(i["Q"]), tensor(i["K"]), torch.eye(n_k, dtype=torch.float64), is_causal=True
    )


def _pool(i: Inputs) -> Any:
    pool = F.max_pool2d if i["mode"] == "max" else F.avg_pool2d
    return pool(tensor(i["X"])[None], i["kernel"], i["stride"])[0]


def _conv_size(i: Inputs) -> int:
    layer = torch.nn.Conv2d(1, 1, i["kernel"], i["stride"], i["padding"])
    return int(layer(torch.zeros(1, 1, i["n"], i["n"])).shape[-1])


def _l2_gradient(i: Inputs) -> Any:
    """The gradient SGD(weight_decay) steps with: read off a step with lr = 1."""
    w = np.asarray(i["w"], dtype=np.float64)
    new = _one_step(
        lambda ps: torch.optim.SGD(ps, lr=1.0, weight_decay=i["weight_decay"]), w, i["grad"], {}
    )
    return w - as_numpy(new)


DRILL_ORACLES: dict[str, Callable[[Inputs], Any]] = {
    "neuron": lambda i: _activation_of(i)(torch.dot(tensor(i["w"]), tensor(i["x"])) + i["b"]),
    "activation": lambda i: _activation_of(i)(tensor(i["z"])),
    "activation_derivative": lambda i: grad_of(
        _activation_of(i), np.asarray(i["z"], dtype=np.float64)
    ),
    "forward_pass": lambda i: F.linear(
        _activation_of(i)(F.linear(tensor(i["x"]), tensor(i["W1"]), tensor(i["b1"]))),
        tensor(i["W2"]),
        tensor(i["b2"]),
    ),
    "affine_layer": lambda i: F.linear(tensor(i["x"]), tensor(i["W"]), tensor(i["b"])),
    "chain_rule": _chain_rule,
    "mlp_backward_w1": _mlp_backward_w1,
    "delta_recursion": _delta_recursion,
    "dense_backward": _dense_backward,
    "softmax": lambda i: F.softmax(tensor(i["z"]), dim=-1),
    "log_softmax": lambda i: F.log_softmax(tensor(i["z"]), dim=-1),
    "softmax_cross_entropy": lambda i: F.cross_entropy(tensor(i["z"]), torch.tensor(i["target"])),
    "softmax_ce_gradient": lambda i: _loss_grad(
        lambda t: F.cross_entropy(t, torch.tensor(i["target"])),
        np.asarray(i["z"], dtype=np.float64),
    ),
    "label_smoothing_ce": lambda i: F.cross_entropy(
        tensor(i["z"]), torch.tensor(i["target"]), label_smoothing=i["epsilon"]
    ),
    "mse": lambda i: F.mse_loss(tensor(i["y_hat"]), tensor(i["y"])),
    "mse_gradient": lambda i: _loss_grad(
        lambda t: F.mse_loss(t, tensor(i["y"])), np.asarray(i["y_hat"], dtype=np.float64)
    ),
    "mae": lambda i: F.l1_loss(tensor(i["y_hat"]), tensor(i["y"])),
    "huber": lambda i: F.huber_loss(tensor(i["y_hat"]), tensor(i["y"]), delta=i["delta"]),
    "bce": lambda i: F.binary_cross_entropy(tensor(i["p"]), tensor(i["y"])),
    "bce_logits": lambda i: F.binary_cross_entropy_with_logits(tensor(i["logits"]), tensor(i["y"])),
    "dropout": lambda i: tensor(i["mask"]) * tensor(i["h"]) / (1.0 - i["p"]),
    "layer_norm": lambda i: F.layer_norm(tensor(i["x"]), (len(i["x"]),), eps=i["eps"]),
    "layer_norm_backward": _layer_norm_backward,
    "rms_norm": lambda i: F.rms_norm(tensor(i["x"]), (len(i["x"]),), eps=i["eps"]),
    "batch_norm": lambda i: F.batch_norm(tensor(i["X"]), None, None, training=True, eps=i["eps"]),
    "batch_norm_eval": lambda i: F.batch_norm(
        tensor(i["x"])[None],
        tensor(i["running_mean"]),
        tensor(i["running_var"]),
        tensor(i["gamma"]),
        tensor(i["beta"]),
        training=False,
        eps=i["eps"],
    )[0],
    "batch_norm_running_stats": _running_var,
    "sgd_momentum": lambda i: _one_step(
        lambda ps: torch.optim.SGD(ps, lr=i["lr"], momentum=i["momentum"]),
        i["theta"],
        i["grad"],
        {"momentum_buffer": tensor(i["velocity"])},
    ),
    "nesterov": lambda i: _one_step(
        lambda ps: torch.optim.SGD(ps, lr=i["lr"], momentum=i["momentum"], nesterov=True),
        i["theta"],
        i["grad"],
        {"momentum_buffer": tensor(i["velocity"])},
    ),
    "adagrad": lambda i: _one_step(
        lambda ps: torch.optim.Adagrad(ps, lr=i["lr"], eps=i["eps"]),
        i["theta"],
        i["grad"],
        {"sum": tensor(i["G"])},
    ),
    "rmsprop": lambda i: _one_step(
        lambda ps: torch.optim.RMSprop(ps, lr=i["lr"], alpha=i["alpha"], eps=i["eps"]),
        i["theta"],
        i["grad"],
        {"step": _step_state(0), "square_avg": tensor(i["v"])},
    ),
    "adam_step": lambda i: _one_step(
        lambda ps: torch.optim.Adam(ps, lr=i["lr"], betas=(i["beta1"], i["beta2"]), eps=i["eps"]),
        i["theta"],
        i["grad"],
        _adam_state(i),
    ),
    "adamw_step": lambda i: _one_step(
        lambda ps: torch.optim.AdamW(
            ps,
            lr=i["lr"],
            betas=(i["beta1"], i["beta2"]),
            eps=i["eps"],
            weight_decay=i["weight_decay"],
        ),
        i["theta"],
        i["grad"],
        _adam_state(i),
    ),
    "l2_penalty": _l2_gradient,
    "grad_clip": _clip_norm,
    "clip_by_value": _clip_value,
    "lr_schedule": _lr_schedule,
    "attention": lambda i: F.scaled_dot_product_attention(
        tensor(i["Q"]), tensor(i["K"]), tensor(i["V"])
    ),
    "causal_attention": _causal_weights,
    "conv_output_size": _conv_size,
    "pooling_output": _pool,
    "conv_param_count": lambda i: sum(
        p.numel()
        for p in torch.nn.Conv2d(
            i["in_channels"], i["out_channels"], i["kernel"], bias=i.get("bias", True)
        ).parameters()
    ),
    "mlp_param_count": lambda i: sum(
        p.numel()
        for p in torch.nn.Sequential(
            *(torch.nn.Linear(a, b) for a, b in pairwise(i["widths"]))
        ).parameters()
    ),
}

DRILL_SEEDS = range(6)
DIFFICULTIES = (1, 2, 3)


def _problems(topic_id: str) -> list[Any]:
    from studyapp.drills.registry import make_problem

    return [make_problem(topic_id, seed, d) for seed in DRILL_SEEDS for d in DIFFICULTIES]


@pytest.mark.parametrize("topic_id", sorted(DRILL_ORACLES))
def test_drill_answers_match_torch(topic_id: str) -> None:
    for problem in _problems(topic_id):
        inputs = problem.inputs
        if topic_id == "lr_schedule" and inputs["schedule"] == "warmup":
            continue  # no torch class: the engine states its own warm-up convention
        expected = DRILL_ORACLES[topic_id](inputs)
        try:
            assert_close(np.asarray(problem.answer, dtype=np.float64), expected, rtol=1e-9)
        except AssertionError as error:
            raise AssertionError(
                f"{topic_id} seed={problem.seed} d={problem.difficulty} {inputs}"
            ) from error


@pytest.mark.parametrize("topic_id", ["init_variance", "init_std"])
def test_drill_init_answers_match_torch(topic_id: str) -> None:
    for problem in _problems(topic_id):
        inputs = dict(problem.inputs)
        if inputs["scheme"] == "lecun":  # torch's kaiming with gain 1 is LeCun
            inputs.update(scheme="he", nonlinearity="linear")
        scale = float(problem.answer)
        if topic_id == "init_variance":
            scale = math.sqrt(scale)
        ours, theirs = _init_by_seed(inputs, scale)
        assert_close(ours, theirs, rtol=1e-9)
