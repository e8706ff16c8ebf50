"""Drills on backpropagation: the chain rule through two sigmoid neurons, the weight gradient
δ aᵀ, the δ recursion, vanishing gradients, a finite-difference check and a full ∂L/∂W1.

Every value shown comes from `engine.chain`, `engine.layers`, `engine.activations`,
`engine.gradcheck` or `engine.losses`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import activations, chain, gradcheck, layers, losses
from studyapp.drills.base import (
    Checkpoint,
    Draft,
    Slip,
    Tolerance,
    decimals,
    distinct_slips,
    draw,
    mat,
    num,
    vec,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.neurons import (
    SEED_NOTES,
    SEED_TUTORIAL,
    conventions,
    paren,
)
from studyapp.drills.neurons import VALUE_FOR_SLOPE as ACTIVATION_FOR_SLOPE
from studyapp.drills.registry import topic

TOLERANCE_NOTE = "Rounding to 4 decimals is fine (tolerance 1%)."


# ---------------------------------------------------------------- chain_rule


FORGOT_BIAS = mistake("affine.forgot_bias", "Left the bias out of w·x + b")
PRE_ACTIVATION_FORWARDED = mistake(
    "chain_rule.pre_activation_forwarded",
    "Fed the next neuron z, the sum before the activation, instead of a = φ(z)",
)
SIGMOID_SIGN = mistake(
    "sigmoid.exponent_sign", "Computed σ(z) as 1/(1 + e^z), which is σ(−z), not σ(z)"
)
MISSING_TWO = mistake(
    "squared_loss.missing_factor_2", "Dropped the factor 2 from the derivative of (y − ŷ)²"
)
VALUE_FOR_SLOPE = mistake(
    "sigmoid.value_for_slope",
    "Used the sigmoid's value σ(z) where its slope σ(z)(1 − σ(z)) belongs",
)
LOSS_SIGN = mistake("squared_loss.sign_flipped", "Wrote ∂L/∂ŷ as 2(y − ŷ) instead of 2(ŷ − y)")

CHAIN = "∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂z2 · ∂z2/∂a1 · ∂a1/∂z1 · ∂z1/∂w1"


@topic(
    "chain_rule",
    "Chain rule through two neurons",
    source=SEED_TUTORIAL,
    formula=f"{CHAIN}, with σ′(z) = σ(z)(1 − σ(z))",
)
def chain_rule(rng: np.random.Generator, difficulty: int) -> Draft:
    digits = decimals(difficulty)
    while True:
        x = float(draw(rng, None, -2.0, 2.0, digits, nonzero=True))
        if difficulty == 1:
            y = float(rng.integers(0, 2))
        else:
            y = float(draw(rng, None, 0.0, 1.0, digits))
        w1, w2 = (float(v) for v in draw(rng, 2, -2.0, 2.0, digits, nonzero=True))
        b1, b2 = (float(v) for v in draw(rng, 2, -1.0, 1.0, digits))
        c = chain.sigmoid_chain(x, y, w1, b1, w2, b2)
        if abs(c.z1) <= 4.0 and abs(c.z2) <= 4.0 and abs(c.dL_dw1) >= 0.005:
            break
    tolerance = Tolerance(rel=0.01, abs=1e-4)
    prompt = (
        "Two sigmoid neurons in a row: the first takes x with weight w1 and bias b1, the "
        "second takes the first one's output a1 with weight w2 and bias b2 and gives ŷ. The "
        "loss is the squared error L = (y − ŷ)² (no ½ in front). "
        "Compute the gradient of L with respect to w1. "
        "Answer: one number (tolerance 1%; keep 4 significant digits)."
    )
    steps = [
        "Backprop multiplies one local derivative per link of w1 → z1 → a1 → z2 → ŷ → L: "
        f"{CHAIN}, with σ′(z) = σ(z)(1 − σ(z)). First run the forward pass.",
        f"z1 = w1·x + b1 = {paren(w1)} × {paren(x)} + {paren(b1)} = {num(c.z1)}",
        f"a1 = σ(z1) = σ({num(c.z1)}) = {num(c.a1)}",
        f"z2 = w2·a1 + b2 = {paren(w2)} × {num(c.a1)} + {paren(b2)} = {num(c.z2)}",
        f"ŷ = σ(z2) = σ({num(c.z2)}) = {num(c.y_hat)}; loss L = (y − ŷ)² = {num(c.loss)}",
        f"∂L/∂ŷ = 2(ŷ − y) = 2 × ({num(c.y_hat)} − {num(y)}) = {num(c.dL_dyhat)}  "
        "(the error signal: positive when the prediction is too high)",
        f"∂ŷ/∂z2 = σ′(z2) = ŷ(1 − ŷ) = {num(c.y_hat)} × (1 − {num(c.y_hat)}) = {num(c.dyhat_dz2)}  "
        "(the output sigmoid's slope)",
        f"∂z2/∂a1 = w2 = {num(c.dz2_da1)}  (how strongly the first neuron feeds the second)",
        f"∂a1/∂z1 = σ′(z1) = a1(1 − a1) = {num(c.a1)} × (1 − {num(c.a1)}) = {num(c.da1_dz1)}  "
        "(at most 0.25: where gradients start to vanish)",
        f"∂z1/∂w1 = x = {num(c.dz1_dw1)}  (the input the weight multiplied)",
        f"∂L/∂w1 = {paren(c.dL_dyhat)} × {num(c.dyhat_dz2)} × {paren(c.dz2_da1)} × "
        f"{num(c.da1_dz1)} × {paren(c.dz1_dw1)} = {num(c.dL_dw1, 6)}",
    ]
    with_sigma = c.dL_dyhat * c.y_hat * c.dz2_da1 * c.a1 * c.dz1_dw1
    slips = [
        Slip(
            c.dL_dw1 / 2.0,
            "The squared loss contributes ∂L/∂ŷ = 2(ŷ − y): the factor 2 is missing.",
            MISSING_TWO,
        ),
        Slip(
            with_sigma,
            "You used σ(z) where the chain needs the slope σ′(z) = σ(z)(1 − σ(z)), "
            "once for ŷ and once for a1.",
            VALUE_FOR_SLOPE,
        ),
        Slip(-c.dL_dw1, "Sign: ∂L/∂ŷ = 2(ŷ − y), not 2(y − ŷ).", LOSS_SIGN),
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2},
        answer=c.dL_dw1,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(c.dL_dw1, slips, tolerance),
        checkpoints=chain_checkpoints(c, x, y, w1, b1, w2, b2, tolerance),
    )


def chain_checkpoints(
    c: chain.SigmoidChain,
    x: float,
    y: float,
    w1: float,
    b1: float,
    w2: float,
    b2: float,
    tolerance: Tolerance,
) -> list[Checkpoint]:
    """z1, a1, z2, y_hat, answer: the forward pass, then the product of the local factors,
    each recomputed from whatever earlier values the learner has."""

    def sigma(z: float) -> float:
        return float(activations.sigmoid(z))

    def gradient(e: Mapping[str, float]) -> float:
        y_hat, a1 = e["y_hat"], e["a1"]
        return 2.0 * (y_hat - y) * y_hat * (1.0 - y_hat) * w2 * a1 * (1.0 - a1) * x

    def kept(value: float, slips: list[Slip]) -> list[Slip]:
        return distinct_slips(value, slips, tolerance)

    return [
        Checkpoint(
            "z1",
            "z1 = w1·x + b1",
            c.z1,
            lambda e: w1 * x + b1,
            kept(c.z1, [Slip(w1 * x, "z1 = w1·x + b1: the bias b1 is missing.", FORGOT_BIAS)]),
        ),
        Checkpoint(
            "a1",
            "a1 = σ(z1)",
            c.a1,
            lambda e: sigma(e["z1"]),
            kept(
                c.a1,
                [
                    Slip(
                        sigma(-c.z1),
                        "σ(z) = 1/(1 + e^(−z)): the exponent's sign is flipped.",
                        SIGMOID_SIGN,
                    )
                ],
            ),
        ),
        Checkpoint(
            "z2",
            "z2 = w2·a1 + b2",
            c.z2,
            lambda e: w2 * e["a1"] + b2,
            kept(
                c.z2,
                [
                    Slip(w2 * c.a1, "z2 = w2·a1 + b2: the bias b2 is missing.", FORGOT_BIAS),
                    Slip(
                        w2 * c.z1 + b2,
                        "The second neuron takes a1 = σ(z1), not z1.",
                        PRE_ACTIVATION_FORWARDED,
                    ),
                ],
            ),
        ),
        Checkpoint(
            "y_hat",
            "ŷ = σ(z2)",
            c.y_hat,
            lambda e: sigma(e["z2"]),
            kept(
                c.y_hat,
                [
                    Slip(
                        sigma(-c.z2),
                        "σ(z) = 1/(1 + e^(−z)): the exponent's sign is flipped.",
                        SIGMOID_SIGN,
                    )
                ],
            ),
        ),
        Checkpoint("answer", "∂L/∂w1", c.dL_dw1, gradient),
    ]


# ---------------------------------------------------------------- dense_backward

TRANSPOSED = mistake(
    "weight_gradient.transposed",
    "Wrote the weight gradient as a_prev δᵀ, the transpose, instead of δ a_prevᵀ (W's shape)",
)


def learner(value: Any, like: Any) -> np.ndarray:
    """A learner's earlier value in the engine's shape (the checker lets [[5]] stand for 5 and
    a column for a row)."""
    return np.asarray(value, dtype=np.float64).reshape(np.shape(like))


@topic(
    "dense_backward",
    "Weight gradient of a dense layer",
    source=SEED_NOTES,
    formula="∂L/∂W = δ a_prevᵀ",
)
def dense_backward(rng: np.random.Generator, difficulty: int) -> Draft:
    n_out, n_in = {1: (2, 2), 2: (2, 3), 3: (3, 4)}[difficulty]
    digits = decimals(difficulty)
    a_prev = draw(rng, n_in, -2.0, 2.0, digits, nonzero=True)
    delta = draw(rng, n_out, -1.0, 1.0, digits, nonzero=True)
    dW = layers.weight_gradient(delta, a_prev)
    prompt = (
        f"A dense layer with weights W of shape out × in ({n_out} × {n_in}) and bias b takes the "
        "input a_prev. Backprop has delivered δ = ∂L/∂z, the error at the layer's "
        "pre-activations z, for this example. Compute the gradient ∂L/∂W. "
        f"Answer: a {n_out}×{n_in} matrix, rows separated by ; (e.g. [[1, 2]; [3, 4]]). "
        f"{TOLERANCE_NOTE}"
    )
    rows = [
        f"row {i} = δ[{i}] × a_prev = {paren(delta[i])} × {vec(a_prev)} = {vec(dW[i])}"
        for i in range(n_out)
    ]
    steps = [
        "∂L/∂W[i, j] = δ[i]·a_prev[j]: the error at output i times the input j that weight "
        f"connects, so ∂L/∂W = δ a_prevᵀ, an outer product with W's shape {n_out} × {n_in}.",
        *rows,
        f"∂L/∂W = {mat(dW)}",
        f"(The bias gradient is δ itself: ∂L/∂b = {vec(delta)}, since ∂z/∂b = 1.)",
    ]
    tolerance = Tolerance()
    transposed = layers.weight_gradient(a_prev, delta)
    slips = [
        Slip(
            transposed,
            f"That is a_prev δᵀ, the transpose. ∂L/∂W must have W's shape (out × in = "
            f"{n_out} × {n_in}): entry (i, j) is δ[i]·a_prev[j], so ∂L/∂W = δ a_prevᵀ.",
            TRANSPOSED,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"a_prev": a_prev, "delta": delta},
        answer=dW,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(dW, slips, tolerance),
        checkpoints=dense_rows(delta, a_prev, dW, tolerance),
    )


def dense_rows(
    delta: np.ndarray, a_prev: np.ndarray, dW: np.ndarray, tolerance: Tolerance
) -> list[Checkpoint]:
    """row0, row1, …, answer: row i of ∂L/∂W is δ[i]·a_prev, the way it is written by hand;
    the answer stacks the learner's rows."""

    def row(i: int) -> Checkpoint:
        slip = Slip(
            a_prev[i] * delta,
            f"Row {i} of ∂L/∂W is δ[{i}] times a_prev (one entry per input), not "
            f"a_prev[{i}] times δ: that is row {i} of the transpose.",
            TRANSPOSED,
        )
        value = dW[i]
        return Checkpoint(
            f"row{i}",
            f"row {i} = δ[{i}]·a_prev",
            value,
            lambda e: delta[i] * a_prev,
            distinct_slips(value, [slip], tolerance) if i < len(a_prev) else [],
        )

    def stacked(e: Mapping[str, Any]) -> np.ndarray:
        return np.array([learner(e[f"row{i}"], a_prev) for i in range(len(delta))])

    return [*(row(i) for i in range(len(delta))), Checkpoint("answer", "∂L/∂W", dW, stacked)]


# ---------------------------------------------------------------- delta_recursion

RECURSION_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
FORGOT_TRANSPOSE = mistake(
    "backprop.forgot_transpose",
    "Sent the error back through W_next instead of its transpose W_nextᵀ",
)
MISSING_GATE = mistake(
    "backprop.missing_gate",
    "Sent the error back through the weights but left out the elementwise factor g′(z)",
)


@topic("delta_recursion", "Error of a hidden layer", source=SEED_TUTORIAL)
def delta_recursion(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(RECURSION_ACTIVATIONS))
    n_next, n = {1: (2, 2), 2: (2, 3), 3: (3, 4)}[difficulty]
    digits = decimals(difficulty)
    while True:
        W_next = draw(rng, (n_next, n), -1.5, 1.5, digits, nonzero=True)
        delta_next = draw(rng, n_next, -1.0, 1.0, digits, nonzero=True)
        z = draw(rng, n, -3.0, 3.0, digits, nonzero=True)
        back = layers.hidden_delta(W_next, delta_next, z, "linear")  # Wᵀδ alone (g′ = 1)
        delta = layers.hidden_delta(W_next, delta_next, z, name)
        if bool(np.any(z > 0)) and bool(np.all(np.abs(back) >= 0.01)):
            break
    act = activations.get(name)
    slope = act.derivative(z)
    prompt = (
        f"A hidden layer with activation {name} has pre-activations z. The next layer has weights "
        f"W_next (shape out × in = {n_next} × {n}) and error δ_next = ∂L/∂z_next. Compute this "
        f"layer's error δ = ∂L/∂z. {conventions(name)}"
        f"Answer: a vector of {n} numbers. {TOLERANCE_NOTE}"
    )
    steps = [
        f"δ = (W_nextᵀ δ_next) ⊙ g′(z) with {act.derivative_formula}: send the error back "
        "through the weights (transpose), then gate it elementwise by this layer's slope.",
        f"W_nextᵀ δ_next = {vec(back)}  (entry j sums W_next[i, j]·δ_next[i] over i)",
        f"g′(z) with {act.derivative_formula}: {vec(slope)}",
        f"δ = {vec(back)} ⊙ {vec(slope)} = {vec(delta)}",
    ]
    tolerance = Tolerance()
    gated_by_value = back * act.fn(z)
    slips = [
        Slip(
            back,
            "Missing the gate: multiply elementwise by g′(z) after W_nextᵀ δ_next.",
            MISSING_GATE,
        ),
        Slip(
            gated_by_value,
            f"You multiplied by {name}(z); the recursion uses its derivative g′(z).",
            ACTIVATION_FOR_SLOPE,
        ),
    ]
    back_slips = []
    if n_next == n:  # W_next·δ_next has the right length only for a square W_next
        back_slips.append(
            Slip(
                W_next @ delta_next,
                "The error goes back through the transpose: entry j of W_nextᵀ δ_next sums "
                "W_next[i, j]·δ_next[i] down column j.",
                FORGOT_TRANSPOSE,
            )
        )
    slope_slips = [
        Slip(
            act.fn(z),
            f"That is {name}(z) itself; the gate is its slope, {act.derivative_formula}.",
            ACTIVATION_FOR_SLOPE,
        )
    ]
    return Draft(
        formula=f"δ = (W_nextᵀ δ_next) ⊙ g′(z) with {act.derivative_formula}",
        prompt=prompt,
        inputs={"W_next": W_next, "delta_next": delta_next, "z": z, "activation": name},
        answer=delta,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(delta, slips, tolerance),
        checkpoints=[
            Checkpoint(
                "back",
                "W_nextᵀ δ_next",
                back,
                lambda e: W_next.T @ delta_next,
                distinct_slips(back, back_slips, tolerance),
            ),
            Checkpoint(
                "slope",
                "g′(z)",
                slope,
                lambda e: act.derivative(z),
                distinct_slips(slope, slope_slips, tolerance),
            ),
            Checkpoint(
                "answer",
                "δ = back ⊙ g′(z)",
                delta,
                lambda e: learner(e["back"], back) * learner(e["slope"], slope),
            ),
        ],
    )


# ---------------------------------------------------------------- vanishing_gradient


@topic(
    "vanishing_gradient",
    "Vanishing gradient in sigmoid layers",
    source=SEED_TUTORIAL,
    formula="σ′(z_1)·…·σ′(z_n) with σ′(z) = σ(z)(1 − σ(z))",
)
def vanishing_gradient(rng: np.random.Generator, difficulty: int) -> Draft:
    depth = {1: 3, 2: 5, 3: 8}[difficulty]
    z = draw(rng, depth, -3.0, 3.0, decimals(difficulty))
    result = chain.vanishing_gradient(z)
    ceiling = chain.vanishing_gradient(np.zeros(depth)).total  # 0.25 ** depth
    prompt = (
        f"A gradient travels back through {depth} sigmoid layers whose pre-activations are z "
        "(take every weight as 1 to isolate the activation). Each layer scales it by its "
        "sigmoid's slope at z_k. By what factor has the gradient been multiplied after all "
        f"{depth} layers? "
        "Answer: one number (scientific notation such as 3.2e-4 is fine; tolerance 1% relative)."
    )
    lines = [
        f"layer {k + 1}: σ′({num(float(zk))}) = {num(float(f), 6)}; product so far "
        f"{num(float(r), 6)}"
        for k, (zk, f, r) in enumerate(zip(z, result.factors, result.running, strict=True))
    ]
    steps = [
        "Each sigmoid layer scales the gradient by σ′(z) = σ(z)(1 − σ(z)), which is at most 0.25 "
        "(at z = 0); multiply the layers' factors: σ′(z_1)·…·σ′(z_n).",
        *lines,
        f"Product = {num(result.total, 6)}; even at the best case z = 0 it could be no more than "
        f"0.25^{depth} = {num(ceiling, 6)}. The signal shrinks geometrically with depth.",
    ]
    tolerance = Tolerance(rel=0.01, abs=1e-12)
    slips = [
        Slip(
            float(np.prod(activations.sigmoid(z))),
            "That multiplies σ(z_k), the outputs; backprop multiplies the slopes σ′(z_k).",
            VALUE_FOR_SLOPE,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"z": z},
        answer=result.total,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(result.total, slips, tolerance),
    )


# ---------------------------------------------------------------- gradient_check

CHECK_FUNCTIONS = ("sigmoid", "tanh", "softplus", "swish")
CHECK_TOLERANCE = Tolerance(rel=0.001, abs=0.0001)
DIVIDED_BY_H = mistake(
    "gradient_check.divided_by_h",
    "Divided the central difference by h; its two points are 2h apart",
)
EXACT_DERIVATIVE = mistake(
    "gradient_check.exact_derivative",
    "Gave the exact derivative where the finite-difference estimate was asked",
)


def allowance(expected: float, tolerance: Tolerance) -> float:
    """How far from `expected` an answer may be and still be right."""
    return tolerance.abs + tolerance.rel * abs(expected)


@topic("gradient_check", "Gradient check by central difference", source=SEED_NOTES)
def gradient_check(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(CHECK_FUNCTIONS))
    act = activations.get(name)

    def f(v: float) -> float:
        return float(act.fn(v))

    # The estimate's error is about f‴(x)·h²/6: h and x are drawn so that it is several
    # times the tolerance, and typing the exact derivative is a named slip, never right.
    tolerance = CHECK_TOLERANCE
    while True:
        h = float(rng.choice((0.25, 0.5) if difficulty == 1 else (0.2, 0.3, 0.5)))
        x = float(draw(rng, None, -2.0, 2.0, decimals(difficulty)))
        estimate = gradcheck.central_difference(f, x, h)
        exact = float(act.derivative(x))
        if abs(estimate) >= 0.05 and abs(estimate - exact) > 3 * allowance(estimate, tolerance):
            break
    error = gradcheck.relative_error(np.array([exact]), np.array([estimate]))
    f_plus, f_minus = f(x + h), f(x - h)
    prompt = (
        f"Gradient checking: estimate the derivative of f = {name} at the given x with a "
        "central difference (one step h to each side) and the given h. Keep at least 6 "
        "significant digits in f(x ± h). Answer: the estimate, one number (tolerance 0.1%)."
    )
    steps = [
        f"Evaluate f on both sides of x = {num(x)}: at x + h = {num(x + h)} and x − h = "
        f"{num(x - h)}.",
        f"f(x + h) = f({num(x + h)}) = {num(f_plus, 6)}",
        f"f(x − h) = f({num(x - h)}) = {num(f_minus, 6)}",
        f"estimate = ({num(f_plus, 6)} − {paren(f_minus, 6)}) / (2 × {num(h)}) "
        f"= {num(estimate, 6)}",
        f"Check against the formula {act.derivative_formula}: f′({num(x)}) = {num(exact, 6)}; "
        f"relative error |a − n|/(|a| + |n|) = {error:.1e} (error shrinks like h²).",
    ]
    slips = [
        Slip(
            2.0 * estimate,
            "The two points are 2h apart: divide the difference by 2h, not h.",
            DIVIDED_BY_H,
        ),
        Slip(
            exact,
            "That is the exact derivative f′(x); the question asks for the finite-difference "
            "estimate with this h.",
            EXACT_DERIVATIVE,
        ),
    ]
    return Draft(
        formula=f"f′(x) ≈ (f(x + h) − f(x − h)) / (2h) with f: {act.formula}",
        prompt=prompt,
        inputs={"function": name, "x": x, "h": h},
        answer=estimate,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(estimate, slips, tolerance),
    )


# ---------------------------------------------------------------- mlp_backward_w1

MLP_ACTIVATIONS = ("sigmoid", "tanh", "relu")
MLP_FORMULA = "δ2 = ∂L/∂ŷ = ŷ − t (linear output), δ1 = (W2ᵀ δ2) ⊙ g′(z1), ∂L/∂W1 = δ1 xᵀ"


@topic("mlp_backward_w1", "Backprop to first-layer weights", source=SEED_TUTORIAL)
def mlp_backward_w1(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(MLP_ACTIVATIONS))
    n_in, n_hidden, n_out = {1: (2, 2, 1), 2: (2, 3, 2), 3: (3, 3, 2)}[difficulty]
    digits = decimals(difficulty)
    while True:
        x = draw(rng, n_in, -2.0, 2.0, digits, nonzero=True)
        W1 = draw(rng, (n_hidden, n_in), -1.0, 1.0, digits, nonzero=True)
        b1 = draw(rng, n_hidden, -0.5, 0.5, digits)
        W2 = draw(rng, (n_out, n_hidden), -1.0, 1.0, digits, nonzero=True)
        b2 = draw(rng, n_out, -0.5, 0.5, digits)
        t = draw(rng, n_out, -1.0, 1.0, digits)
        net = layers.MLP([layers.Dense.of(W1, b1, name), layers.Dense.of(W2, b2, "linear")])
        y_hat, cache = net.forward(x)
        dL_dy = 0.5 * losses.mse_gradient(t, y_hat, reduction="sum")  # L = ½‖ŷ − t‖²
        grads = net.backward(cache, dL_dy)
        z1 = cache.z[0]
        healthy = bool(np.all((np.abs(z1) >= 0.05) & (np.abs(z1) <= 4.0)))
        if healthy and bool(np.any(z1 > 0)) and float(np.max(np.abs(grads[0].dW))) >= 0.01:
            break
    act = activations.get(name)
    delta2 = layers.output_delta(dL_dy, cache.z[1], "linear")
    dL_dh = grads[1].da_prev
    delta1 = layers.hidden_delta(W2, delta2, z1, name)
    dW1 = grads[0].dW
    prompt = (
        f"A two-layer network: a hidden layer (W1, b1) with activation {name}, then a linear "
        "output layer (W2, b2) that gives ŷ; every W has shape out × in. The loss is "
        "L = ½‖ŷ − t‖² for the target t. Compute the gradient ∂L/∂W1. "
        f"Answer: a {n_hidden}×{n_in} matrix (W1's shape), rows separated by ;. {TOLERANCE_NOTE}"
    )
    steps = [
        f"Forward first, then the δ recursion from the output back: {MLP_FORMULA}.",
        f"z1 = W1·x + b1 = {vec(z1)}; h = {name}(z1) = {vec(cache.a[1])}",
        f"ŷ = W2·h + b2 = {vec(y_hat)}",
        f"∂L/∂ŷ = ŷ − t = {vec(dL_dy)}; the output is linear (g′ = 1), so δ2 = {vec(delta2)}",
        f"∂L/∂h = W2ᵀ δ2 = {vec(dL_dh)}",
        f"g′(z1) with {act.derivative_formula}: {vec(act.derivative(z1))}",
        f"δ1 = ∂L/∂h ⊙ g′(z1) = {vec(delta1)}",
        f"∂L/∂W1 = δ1 xᵀ = {mat(dW1)}",
    ]
    tolerance = Tolerance()
    slips = [
        Slip(
            layers.weight_gradient(x, delta1),
            f"That is x δ1ᵀ, the transpose: ∂L/∂W1 has W1's shape {n_hidden} × {n_in}, "
            "entry (i, j) = δ1[i]·x[j].",
            TRANSPOSED,
        ),
        Slip(
            layers.weight_gradient(dL_dh, x),
            f"The hidden error must pass through the activation: multiply W2ᵀδ2 by {name}′(z1).",
            MISSING_GATE,
        ),
    ]
    return Draft(
        formula=MLP_FORMULA,
        prompt=prompt,
        inputs={"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "t": t, "activation": name},
        answer=dW1,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(dW1, slips, tolerance),
        checkpoints=mlp_checkpoints(
            name, x, W1, b1, W2, b2, t, cache.z[0], cache.a[1], y_hat, delta1, dW1, tolerance
        ),
    )


def mlp_checkpoints(
    name: str,
    x: np.ndarray,
    W1: np.ndarray,
    b1: np.ndarray,
    W2: np.ndarray,
    b2: np.ndarray,
    t: np.ndarray,
    z1: np.ndarray,
    h: np.ndarray,
    y_hat: np.ndarray,
    delta1: np.ndarray,
    dW1: np.ndarray,
    tolerance: Tolerance,
) -> list[Checkpoint]:
    """z1, h, y_hat, delta1, answer: the forward pass, then the δ recursion back to W1, each
    from the learner's earlier values."""
    act = activations.get(name)
    back = W2.T @ (y_hat - t)

    def kept(value: np.ndarray, slips: list[Slip]) -> list[Slip]:
        return distinct_slips(value, slips, tolerance)

    def delta(e: Mapping[str, Any]) -> np.ndarray:
        z = learner(e["z1"], z1)
        result: np.ndarray = (W2.T @ (learner(e["y_hat"], y_hat) - t)) * act.derivative(z)
        return result

    h_slips = []
    if name == "sigmoid":
        h_slips.append(
            Slip(
                act.fn(-z1),
                "σ(z) = 1/(1 + e^(−z)): the exponent's sign is flipped.",
                SIGMOID_SIGN,
            )
        )
    return [
        Checkpoint(
            "z1",
            "z1 = W1·x + b1",
            z1,
            lambda e: layers.dense_forward(W1, x, b1),
            kept(z1, [Slip(W1 @ x, "z1 = W1·x + b1: the bias b1 is missing.", FORGOT_BIAS)]),
        ),
        Checkpoint(
            "h",
            f"h = {name}(z1)",
            h,
            lambda e: act.fn(learner(e["z1"], z1)),
            kept(h, h_slips),
        ),
        Checkpoint(
            "y_hat",
            "ŷ = W2·h + b2",
            y_hat,
            lambda e: layers.dense_forward(W2, learner(e["h"], h), b2),
            kept(
                y_hat,
                [
                    Slip(W2 @ h, "ŷ = W2·h + b2: the bias b2 is missing.", FORGOT_BIAS),
                    Slip(
                        layers.dense_forward(W2, z1, b2),
                        f"The output layer takes h = {name}(z1), not z1.",
                        PRE_ACTIVATION_FORWARDED,
                    ),
                ],
            ),
        ),
        Checkpoint(
            "delta1",
            "δ1 = W2ᵀ(ŷ − t) ⊙ g′(z1)",
            delta1,
            delta,
            kept(
                delta1,
                [
                    Slip(
                        back,
                        f"Gate the error by the slope: multiply W2ᵀδ2 by {name}′(z1).",
                        MISSING_GATE,
                    ),
                    Slip(
                        back * h,
                        f"The gate is {name}′(z1), the slope, not h = {name}(z1).",
                        ACTIVATION_FOR_SLOPE,
                    ),
                ],
            ),
        ),
        Checkpoint(
            "answer",
            "∂L/∂W1 = δ1 xᵀ",
            dW1,
            lambda e: layers.weight_gradient(learner(e["delta1"], delta1), x),
        ),
    ]
