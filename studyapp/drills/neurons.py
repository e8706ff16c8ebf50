"""Drills on single neurons and forward passes: activations, their slopes, affine layers,
a two-layer network and the perceptron's update rule.

Every value shown comes from `engine.activations`, `engine.layers` or `engine.perceptron`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import activations, layers, perceptron
from studyapp.drills.base import (
    Checkpoint,
    Draft,
    Slip,
    Tolerance,
    decimals,
    distinct_slips,
    draw,
    num,
    plain,
    vec,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.registry import topic

SEED_TUTORIAL = "002_546d246df68e4ade.txt"
SEED_NOTES = "001_9b016ee9fe251ca9.txt"
SEED_CHEATSHEET = "004_79820f2c78e41ff3.txt"

DRILL_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish")
ACTIVATION_CONVENTIONS = {
    "leaky_relu": "Convention: leaky_relu keeps a slope of 0.01 for z ≤ 0.",
    "elu": "Convention: elu uses α = 1.",
    "gelu": "Convention: gelu is the exact form built on the standard normal CDF, not the tanh "
    "approximation.",
}
"""What a learner must be told about one activation (PyTorch's defaults); the others' rules
would only be noise in its prompt."""
GIVEAWAYS = {"sigmoid": ("sigmoid",), "tanh": ("tanh",), "relu": ("max", "min"),
             "leaky_relu": ("max", "min")}  # fmt: skip
"""Answer functions that are the activation asked itself; elu, gelu and swish are built
from exp, Φ and σ, and writing them so is the definition the drill checks."""
TOLERANCE_NOTE = "Rounding to 4 decimals is fine (tolerance 1%)."

# The mistakes of this family, by stable id. The first three are shared with backprop.py's
# chain rule (same id, same text: `mistake` accepts the second registration; backprop.py
# imports this module, so a text that drifts apart there fails at import).
FORGOT_BIAS = mistake("affine.forgot_bias", "Left the bias out of w·x + b")
SIGMOID_SIGN = mistake(
    "sigmoid.exponent_sign", "Computed σ(z) as 1/(1 + e^z), which is σ(−z), not σ(z)"
)
SIGMOID_VALUE_FOR_SLOPE = mistake(
    "sigmoid.value_for_slope",
    "Used the sigmoid's value σ(z) where its slope σ(z)(1 − σ(z)) belongs",
)
VALUE_FOR_SLOPE = mistake(
    "activation.value_for_slope", "Gave an activation's value φ(z) where its slope φ′(z) belongs"
)
LEAKY_AS_RELU = mistake(
    "leaky_relu.no_negative_slope", "Gave leaky ReLU 0 for z ≤ 0, dropping its 0.01·z slope"
)
ELU_MINUS_ONE = mistake("elu.missing_minus_one", "Wrote ELU for z ≤ 0 as e^z, without the − 1")
GELU_NO_Z = mistake("gelu.missing_z", "Gave Φ(z) for GELU(z) = z·Φ(z), leaving out the factor z")
SWISH_NO_Z = mistake("swish.missing_z", "Gave σ(z) for swish(z) = z·σ(z), leaving out the factor z")
TANH_SLOPE_UNSQUARED = mistake(
    "tanh.slope_not_squared", "Wrote tanh′(z) as 1 − tanh(z), without squaring the tanh"
)
GELU_SLOPE_PRODUCT = mistake(
    "gelu.slope_missing_product_term",
    "Gave Φ(z) for GELU′(z), dropping the product rule's z·φ(z) term",
)
NO_ACTIVATION = mistake(
    "neuron.no_activation", "Stopped at the pre-activation z = w·x + b, never applying φ"
)
TRANSPOSED_WEIGHTS = mistake(
    "affine.transposed_weights", "Multiplied x by Wᵀ instead of W (rows and columns swapped)"
)
NO_HIDDEN_ACTIVATION = mistake(
    "forward_pass.no_hidden_activation",
    "Fed the hidden pre-activations z1 to the next layer without applying φ",
)
STOPPED_AT_HIDDEN = mistake(
    "forward_pass.stopped_at_hidden", "Gave the hidden layer h as the network's output y"
)
PERCEPTRON_SIGN = mistake(
    "perceptron.error_sign_flipped", "Moved the perceptron's weights by lr·(ŷ − y)·x, the wrong way"
)
PERCEPTRON_BIAS = mistake(
    "perceptron.bias_not_updated", "Updated the perceptron's weights but left its bias as it was"
)


# ---------------------------------------------------------------- shared helpers


def conventions(name: str) -> str:
    """The conventions sentence for activation `name`, with a trailing space, or nothing."""
    text = ACTIVATION_CONVENTIONS.get(name, "")
    return f"{text} " if text else ""


def paren(x: float, digits: int = 4) -> str:
    """A number ready to sit inside a formula: negatives in parentheses."""
    text = num(x, digits)
    return f"({text})" if float(x) < 0 else text


def value_steps(name: str, z: float) -> list[str]:
    """Worked steps for φ(z), every number from the engine."""
    act = activations.get(name)
    value = float(act.fn(z))
    if name == "sigmoid":
        return [f"σ({num(z)}) = 1/(1 + e^{paren(-z)}) = {num(value)}"]
    if name == "tanh":
        return [
            f"tanh({num(z)}) = (e^{num(z)} − e^{paren(-z)})/(e^{num(z)} + e^{paren(-z)}) = "
            f"{num(value)}"
        ]
    if name in ("relu", "leaky_relu", "elu"):
        if z > 0:
            return [
                f"z = {num(z)} > 0, so the positive branch applies: {name}(z) = z = {num(value)}"
            ]
        negative = {
            "relu": "ReLU(z) = 0",
            "leaky_relu": f"LeakyReLU(z) = 0.01·z = 0.01 × {paren(z)} = {num(value)}",
            "elu": f"ELU(z) = e^z − 1 = e^{paren(z)} − 1 = {num(value)}",
        }[name]
        return [f"z = {num(z)} ≤ 0, so the negative branch applies: {negative}"]
    if name == "gelu":
        cdf = float(activations.normal_cdf(z))
        return [
            f"Φ({num(z)}) = ½(1 + erf({paren(z)}/√2)) = {num(cdf)}",
            f"GELU(z) = z·Φ(z) = {paren(z)} × {num(cdf)} = {num(value)}",
        ]
    if name == "swish":
        s = float(activations.sigmoid(z))
        return [
            f"σ({num(z)}) = 1/(1 + e^{paren(-z)}) = {num(s)}",
            f"swish(z) = z·σ(z) = {paren(z)} × {num(s)} = {num(value)}",
        ]
    return [f"{act.formula}; at z = {num(z)}: {num(value)}"]


def derivative_steps(name: str, z: float) -> list[str]:
    """Worked steps for φ′(z), every number from the engine."""
    act = activations.get(name)
    slope = float(act.derivative(z))
    if name == "sigmoid":
        s = float(activations.sigmoid(z))
        return [
            f"σ({num(z)}) = {num(s)}",
            f"σ′(z) = σ(z)(1 − σ(z)) = {num(s)} × (1 − {num(s)}) = {num(slope)}",
        ]
    if name == "tanh":
        t = float(activations.tanh(z))
        return [
            f"tanh({num(z)}) = {num(t)}",
            f"tanh′(z) = 1 − tanh²(z) = 1 − {paren(t)}² = {num(slope)}",
        ]
    if name in ("relu", "leaky_relu"):
        side = (
            "z > 0: slope 1"
            if z > 0
            else ("z ≤ 0: ReLU is flat there, slope 0" if name == "relu" else "z ≤ 0: slope 0.01")
        )
        return [f"z = {num(z)}, so {side}; {name}′(z) = {num(slope)}"]
    if name == "elu":
        if z > 0:
            return [f"z = {num(z)} > 0: ELU is the identity there, so ELU′(z) = {num(slope)}"]
        return [f"z = {num(z)} ≤ 0: ELU′(z) = e^z = e^{paren(z)} = {num(slope)}"]
    if name == "gelu":
        cdf, pdf = float(activations.normal_cdf(z)), float(activations.normal_pdf(z))
        return [
            f"Φ({num(z)}) = {num(cdf)} and the normal density φ(z) = e^(−z²/2)/√(2π) = {num(pdf)}",
            f"GELU′(z) = Φ(z) + z·φ(z) = {num(cdf)} + {paren(z)} × {num(pdf)} = {num(slope)}",
        ]
    if name == "swish":
        s = float(activations.sigmoid(z))
        return [
            f"σ({num(z)}) = {num(s)}",
            f"swish′(z) = σ(z)(1 + z(1 − σ(z))) = {num(s)} × (1 + {paren(z)} × (1 − {num(s)})) "
            f"= {num(slope)}",
        ]
    return [f"{act.derivative_formula}; at z = {num(z)}: {num(slope)}"]


def value_slips(name: str, z: Any) -> list[Slip]:
    """Known wrong values of φ(z), with what went wrong: elementwise for a vector z (a
    forward pass's hidden layer). Slips equal to the answer are left for `distinct_slips`."""
    z = np.asarray(z, dtype=np.float64)
    slips: list[Slip] = []
    if name == "sigmoid":
        slips.append(
            Slip(
                plain(activations.sigmoid(-z)),
                "The exponent is e^(−z): σ(z) = 1/(1 + e^(−z)). You computed σ(−z).",
                SIGMOID_SIGN,
            )
        )
    if name == "leaky_relu" and np.any(z < 0):
        slips.append(
            Slip(
                plain(activations.relu(z)),
                "That is plain ReLU; leaky ReLU keeps 0.01·z for z ≤ 0.",
                LEAKY_AS_RELU,
            )
        )
    if name == "elu" and np.any(z < 0):
        slips.append(
            Slip(
                plain(np.where(z > 0, z, activations.d_elu(z))),
                "ELU for z ≤ 0 is e^z − 1: the −1 makes it approach −1, not 0.",
                ELU_MINUS_ONE,
            )
        )
    if name == "gelu":
        slips.append(
            Slip(
                plain(activations.normal_cdf(z)),
                "That is Φ(z) alone; GELU multiplies it by z.",
                GELU_NO_Z,
            )
        )
    if name == "swish":
        slips.append(
            Slip(
                plain(activations.sigmoid(z)),
                "That is σ(z) alone; swish multiplies it by z.",
                SWISH_NO_Z,
            )
        )
    return slips


def draw_pre_activation(rng: np.random.Generator, difficulty: int) -> float:
    """A z in [−3, 3], never 0 (the ReLU kink) and never in the saturated tails."""
    return float(draw(rng, None, -3.0, 3.0, decimals(difficulty), nonzero=True))


# ---------------------------------------------------------------- topics


@topic("activation", "Value of an activation function", source=SEED_CHEATSHEET)
def activation_value(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(DRILL_ACTIVATIONS))
    z = draw_pre_activation(rng, difficulty)
    act = activations.get(name)
    answer = float(act.fn(z))
    tolerance = Tolerance()
    prompt = (
        f"Evaluate the activation {name} at the given z. {conventions(name)}"
        f"Answer: one number. {TOLERANCE_NOTE}"
    )
    steps = [f"Definition: {act.formula}.", *value_steps(name, z)]
    return Draft(
        formula=act.formula,
        prompt=prompt,
        inputs={"z": z, "activation": name},
        answer=answer,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(answer, value_slips(name, z), tolerance),
        giveaways=GIVEAWAYS.get(name, ()),
    )


@topic("activation_derivative", "Slope of an activation function", source=SEED_TUTORIAL)
def activation_derivative(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(DRILL_ACTIVATIONS))
    z = draw_pre_activation(rng, difficulty)
    act = activations.get(name)
    answer = float(act.derivative(z))
    tolerance = Tolerance()
    prompt = (
        f"Find the slope of the activation {name} at the given z: its derivative with respect "
        f"to z. {conventions(name)}Answer: one number. {TOLERANCE_NOTE}"
    )
    steps = [f"Derivative: {act.derivative_formula}.", *derivative_steps(name, z)]
    slips = [
        Slip(
            float(act.fn(z)),
            f"That is {name}(z) itself; the question asks for its slope {name}′(z).",
            SIGMOID_VALUE_FOR_SLOPE if name == "sigmoid" else VALUE_FOR_SLOPE,
        )
    ]
    if name == "tanh":
        slips.append(
            Slip(
                1.0 - float(activations.tanh(z)),
                "tanh′(z) = 1 − tanh²(z): the tanh is squared.",
                TANH_SLOPE_UNSQUARED,
            )
        )
    if name == "gelu":
        slips.append(
            Slip(
                float(activations.normal_cdf(z)),
                "Φ(z) is only the first term; the product rule adds z·φ(z).",
                GELU_SLOPE_PRODUCT,
            )
        )
    return Draft(
        formula=act.derivative_formula,
        prompt=prompt,
        inputs={"z": z, "activation": name},
        answer=answer,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(answer, slips, tolerance),
    )


def _dot_text(w: np.ndarray, x: np.ndarray) -> str:
    return " + ".join(f"{paren(wi)}×{paren(xi)}" for wi, xi in zip(w, x, strict=True))


@topic("neuron", "One neuron", source=SEED_TUTORIAL)
def neuron(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(DRILL_ACTIVATIONS))
    size = 2 if difficulty == 1 else 3 + (difficulty == 3)
    digits = decimals(difficulty)
    while True:
        x = draw(rng, size, -2.0, 2.0, digits, nonzero=True)
        w = draw(rng, size, -1.5, 1.5, digits, nonzero=True)
        b = float(draw(rng, None, -1.0, 1.0, digits))
        result = layers.neuron_forward(x, w, b, name)
        if 0.05 <= abs(result.z) <= 4.0:
            break
    act = activations.get(name)
    tolerance = Tolerance()
    prompt = (
        f"A neuron with activation {name} receives input x, weights w and bias b. "
        f"Compute its output. {conventions(name)}Answer: one number. {TOLERANCE_NOTE}"
    )
    steps = [
        f"Pre-activation z = w·x + b = {_dot_text(w, x)} + {paren(b)} = {num(result.z)}",
        f"Apply {act.formula}:",
        *value_steps(name, result.z),
    ]
    slips = [
        Slip(
            result.z,
            "That is z = w·x + b; the neuron still applies its activation φ.",
            NO_ACTIVATION,
        ),
        Slip(
            layers.neuron_forward(x, w, 0.0, name).a,
            "The bias b is added before the activation: φ(w·x + b).",
            FORGOT_BIAS,
        ),
        *value_slips(name, result.z),
    ]
    return Draft(
        formula=f"a = φ(w·x + b) with {act.formula}",
        prompt=prompt,
        inputs={"x": x, "w": w, "b": b, "activation": name},
        answer=result.a,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(result.a, slips, tolerance),
        checkpoints=neuron_checkpoints(x, w, b, name, result, tolerance),
    )


def neuron_checkpoints(
    x: np.ndarray,
    w: np.ndarray,
    b: float,
    name: str,
    result: layers.NeuronPass,
    tolerance: Tolerance,
) -> list[Checkpoint]:
    """z, then a = φ(z) from the learner's z (the answer's slips are the draft's)."""
    fn = activations.get(name).fn
    bias_left_out = Slip(float(np.dot(w, x)), "z = w·x + b: the bias b is missing.", FORGOT_BIAS)
    return [
        Checkpoint(
            "z",
            "z = w·x + b",
            result.z,
            lambda e: float(np.dot(w, x) + b),
            distinct_slips(result.z, [bias_left_out], tolerance),
        ),
        Checkpoint("answer", f"a = {name}(z)", result.a, lambda e: float(fn(float(e["z"])))),
    ]


@topic("affine_layer", "One affine layer", source=SEED_NOTES, formula="z = W·x + b")
def affine_layer(rng: np.random.Generator, difficulty: int) -> Draft:
    n_out, n_in = {1: (2, 3), 2: (3, 3), 3: (3, 4)}[difficulty]
    digits = decimals(difficulty)
    x = draw(rng, n_in, -2.0, 2.0, digits, nonzero=True)
    W = draw(rng, (n_out, n_in), -1.5, 1.5, digits, nonzero=True)
    b = draw(rng, n_out, -1.0, 1.0, digits)
    z = layers.dense_forward(W, x, b)
    prompt = (
        "Compute the output z of an affine layer (weights W, bias b, no activation) for the "
        f"input x. W has shape out × in ({n_out} × {n_in}): row i of W "
        f"holds the weights of output i. Answer: a vector of {n_out} numbers. {TOLERANCE_NOTE}"
    )
    rows = [
        f"z[{i}] = row {i} of W · x + b[{i}] = {_dot_text(W[i], x)} + {paren(b[i])} = {num(z[i])}"
        for i in range(n_out)
    ]
    steps = [
        f"Each output is one row of W dotted with x, plus its bias: z has {n_out} entries.",
        *rows,
        f"z = {vec(z)}",
    ]
    tolerance = Tolerance()
    slips = [
        Slip(
            layers.dense_forward(W, x, np.zeros(n_out)).tolist(),
            "Add the bias b after the product W·x.",
            FORGOT_BIAS,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "W": W, "b": b},
        answer=z,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(plain(z), slips, tolerance),
    )


@topic("forward_pass", "Two-layer forward pass", source=SEED_NOTES)
def forward_pass(rng: np.random.Generator, difficulty: int) -> Draft:
    name = str(rng.choice(DRILL_ACTIVATIONS))
    n_in, n_hidden, n_out = {1: (2, 2, 2), 2: (3, 3, 2), 3: (3, 4, 2)}[difficulty]
    digits = decimals(difficulty)
    while True:
        x = draw(rng, n_in, -2.0, 2.0, digits, nonzero=True)
        W1 = draw(rng, (n_hidden, n_in), -1.0, 1.0, digits, nonzero=True)
        b1 = draw(rng, n_hidden, -0.5, 0.5, digits)
        W2 = draw(rng, (n_out, n_hidden), -1.0, 1.0, digits, nonzero=True)
        b2 = draw(rng, n_out, -0.5, 0.5, digits)
        result = layers.two_layer_forward(x, W1, b1, W2, b2, name)
        z_ok = bool(np.all((np.abs(result.z1) >= 0.05) & (np.abs(result.z1) <= 4.0)))
        some_positive = bool(np.any(result.z1 > 0))  # at least one hidden unit clearly on
        if z_ok and some_positive and bool(np.all(np.abs(result.y) >= 0.01)):
            break
    act = activations.get(name)
    prompt = (
        f"A two-layer network: a hidden layer (W1, b1) with activation {name}, then a linear "
        "output layer (W2, b2) with no activation on y. Every W has shape out × in. "
        f"Compute the output y for the input x. {conventions(name)}"
        f"Answer: the output y, a vector of {n_out} numbers. {TOLERANCE_NOTE}"
    )
    steps = [
        f"Hidden pre-activations z1 = W1·x + b1 = {vec(result.z1)}",
        f"Hidden activations h = {name}(z1), elementwise with {act.formula}: h = {vec(result.h)}",
        *[
            f"y[{i}] = row {i} of W2 · h + b2[{i}] = {_dot_text(W2[i], result.h)} "
            f"+ {paren(b2[i])} = {num(result.y[i])}"
            for i in range(n_out)
        ],
        f"y = {vec(result.y)}",
    ]
    tolerance = Tolerance()
    no_activation = layers.two_layer_forward(x, W1, b1, W2, b2, "linear").y.tolist()
    slips = [
        Slip(
            no_activation,
            f"The hidden layer applies {name} to z1 before W2 is used.",
            NO_HIDDEN_ACTIVATION,
        ),
        Slip(
            result.h.tolist(),
            "That is the hidden layer h; the output layer y = W2·h + b2 comes after it.",
            STOPPED_AT_HIDDEN,
        ),
        Slip(
            plain(W2 @ result.h),
            "y = W2·h + b2: the output bias b2 is missing.",
            FORGOT_BIAS,
        ),
    ]
    return Draft(
        formula=f"y = W2·h + b2 with h = {name}(W1·x + b1)",
        prompt=prompt,
        inputs={"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "activation": name},
        answer=result.y,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(plain(result.y), slips, tolerance),
        checkpoints=forward_checkpoints(x, W1, b1, W2, b2, name, result, tolerance),
    )


def forward_checkpoints(
    x: np.ndarray,
    W1: np.ndarray,
    b1: np.ndarray,
    W2: np.ndarray,
    b2: np.ndarray,
    name: str,
    result: layers.TwoLayerPass,
    tolerance: Tolerance,
) -> list[Checkpoint]:
    """z1 = W1·x + b1, h = φ(z1), then y = W2·h + b2 from the learner's h: the names the drill
    JSON contract promises."""
    fn = activations.get(name).fn
    z1_slips = [Slip(plain(W1 @ x), "z1 = W1·x + b1: the bias b1 is missing.", FORGOT_BIAS)]
    if W1.shape[0] == W1.shape[1]:
        z1_slips.append(
            Slip(
                plain(layers.dense_forward(W1.T, x, b1)),
                "That used W1ᵀ: row i of W1 holds the weights of hidden unit i, so "
                "z1[i] = row i of W1 · x + b1[i].",
                TRANSPOSED_WEIGHTS,
            )
        )
    h_slips = [
        Slip(
            plain(result.z1),
            f"That is z1 again: h = {name}(z1) applies the activation to every entry.",
            NO_HIDDEN_ACTIVATION,
        ),
        *value_slips(name, result.z1),
    ]

    def hidden(e: Mapping[str, Any]) -> Any:
        return fn(np.asarray(e["z1"], dtype=np.float64))

    def output(e: Mapping[str, Any]) -> Any:
        return layers.dense_forward(W2, np.asarray(e["h"], dtype=np.float64), b2)

    return [
        Checkpoint(
            "z1",
            "z1 = W1·x + b1",
            result.z1,
            lambda e: layers.dense_forward(W1, x, b1),
            distinct_slips(plain(result.z1), z1_slips, tolerance),
        ),
        Checkpoint(
            "h",
            f"h = {name}(z1)",
            result.h,
            hidden,
            distinct_slips(plain(result.h), h_slips, tolerance),
        ),
        Checkpoint("answer", "y = W2·h + b2", result.y, output),
    ]


@topic(
    "perceptron_update",
    "One perceptron update",
    source=SEED_TUTORIAL,
    formula="w ← w + lr·(y − ŷ)·x, b ← b + lr·(y − ŷ)",
)
def perceptron_update(rng: np.random.Generator, difficulty: int) -> Draft:
    size = 2 if difficulty == 1 else 3
    digits = decimals(difficulty)
    lr = float(rng.choice((0.1, 0.5, 1.0) if difficulty == 1 else (0.05, 0.1, 0.2, 0.5)))
    while True:
        x = draw(rng, size, -2.0, 2.0, digits, nonzero=True)
        w = draw(rng, size, -1.0, 1.0, digits, nonzero=True)
        b = float(draw(rng, None, -1.0, 1.0, digits))
        y = float(rng.integers(0, 2))
        result = perceptron.update(w, b, x, y, lr)
        if result.error != 0 and abs(result.s) >= 0.05:
            break
    answer = [*result.w.tolist(), result.b]
    prompt = (
        "A perceptron predicts ŷ = step(w·x + b), where step(s) = 1 if s > 0 else 0. "
        f"It gets the example x with label y wrong. Apply one perceptron learning-rule update "
        f"with learning rate lr = {num(lr)}. "
        f"Answer: the new weights followed by the new bias, {size + 1} numbers [w1, …, b]."
    )
    sign = "+" if result.error > 0 else "−"
    steps = [
        f"s = w·x + b = {_dot_text(w, x)} + {paren(b)} = {num(result.s)}",
        f"ŷ = step({num(result.s)}) = {num(result.y_hat)}, but y = {num(y)}: misclassified",
        f"Error y − ŷ = {num(y)} − {num(result.y_hat)} = {num(result.error)}, "
        f"so each weight moves by {sign}lr·x",
        f"w ← w + lr·(y − ŷ)·x = {vec(w)} + {num(lr)} × {paren(result.error)} × {vec(x)} = "
        f"{vec(result.w)}",
        f"b ← b + lr·(y − ŷ) = {paren(b)} + {num(lr)} × {paren(result.error)} = {num(result.b)}",
        f"Answer [w, b] = {vec(answer)}",
    ]
    wrong_way = perceptron.update(w, b, x, y, -lr)
    tolerance = Tolerance()
    slips = [
        Slip(
            [*wrong_way.w.tolist(), wrong_way.b],
            "Wrong direction: the step is +lr·(y − ŷ)·x with error y − ŷ, not ŷ − y.",
            PERCEPTRON_SIGN,
        ),
        Slip([*result.w.tolist(), b], "The bias learns too: b ← b + lr·(y − ŷ).", PERCEPTRON_BIAS),
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "w": w, "b": b, "y": y, "lr": lr},
        answer=answer,
        steps=steps,
        tolerance=tolerance,
        slips=distinct_slips(answer, slips, tolerance),
    )
