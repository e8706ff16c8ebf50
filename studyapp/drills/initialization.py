"""Drills on weight initialization: the variance a scheme prescribes, the std or uniform
bound PyTorch would sample with (gain included), and how variance compounds through a
stack of linear layers.

Every number comes from `engine.initialization`. Conventions stated in the prompts:
W has shape fan_out × fan_in; He/Kaiming uses mode fan_in unless told otherwise; gains
are torch.nn.init.calculate_gain's.
"""

from __future__ import annotations

import numpy as np

from engine import initialization as init
from studyapp.drills._apart import redrawn, sorted_out
from studyapp.drills.base import (
    Draft,
    Slip,
    Tolerance,
    num,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.registry import topic

SOURCE_NOTES = "001_9b016ee9fe251ca9.txt"
SOURCE_TUTORIAL = "002_546d246df68e4ade.txt"

FRACTION_TOLERANCE = Tolerance(rel=1e-3, abs=1e-12)
"""Variances and stds are small fractions: 0.1% relative, nothing absolute."""

PROPAGATION_TOLERANCE = Tolerance(rel=0.01, abs=1e-12)

LAYOUT = "W has shape fan_out × fan_in, PyTorch's out × in layout"

STD_FOR_VARIANCE = mistake(
    "init.std_for_variance", "Gave the standard deviation √Var(W) where the variance was asked"
)
VARIANCE_FOR_STD = mistake(
    "init.variance_for_std", "Gave the variance std² where the standard deviation was asked"
)
HE_RULE = mistake("init.he_rule_used", "Used He's 2/fan_in where another scheme was asked")
LECUN_RULE = mistake("init.lecun_rule_used", "Used LeCun's 1/fan_in where another scheme was asked")
XAVIER_RULE = mistake(
    "init.xavier_rule_used", "Used Xavier's 2/(fan_in + fan_out) where another scheme was asked"
)
WRONG_FAN = mistake(
    "init.wrong_fan", "Divided by the other fan: fan_out where the mode is fan_in, or the reverse"
)
GAIN_LEFT_OUT = mistake(
    "init.gain_left_out", "Left out the gain calculate_gain gives for the nonlinearity"
)
STD_FOR_BOUND = mistake(
    "init.std_for_uniform_bound",
    "Gave the normal init's std where the uniform bound a = √3·std was asked",
)
BOUND_FOR_STD = mistake(
    "init.uniform_bound_for_std",
    "Gave the uniform bound a = √3·std where the normal init's std was asked",
)
FAN_IN_LEFT_OUT = mistake(
    "variance_propagation.fan_in_left_out",
    "Multiplied the variance by Var(w) per layer, leaving out the fan_in products each unit sums",
)
ONE_LAYER_SHORT = mistake(
    "variance_propagation.one_layer_short", "Applied the per-layer factor one time too few"
)

_FANS = {
    1: (2, 3, 4, 5, 6, 8, 10, 12, 16, 20),
    2: (16, 20, 32, 50, 64, 100, 128, 200, 256, 300),
    3: (64, 100, 128, 200, 256, 300, 384, 512, 784, 1000, 1024),
}

_SCHEME_NAMES = {
    "xavier": "Xavier/Glorot",
    "he": "He/Kaiming (PyTorch's default mode fan_in, made for ReLU)",
    "lecun": "LeCun",
}

_VARIANCE_HINTS = {
    "xavier": "Xavier/Glorot wants both the forward signal (which sums over fan_in inputs) and "
    "the backward gradient (which sums over fan_out outputs) to keep their size, so it "
    "compromises between the two fans.",
    "he": "He/Kaiming is built for ReLU: it looks only at fan_in, and makes up for ReLU "
    "zeroing about half of the signal.",
    "lecun": "LeCun keeps a linear layer's output variance equal to its input variance; each "
    "unit sums fan_in products, so the weight variance is set by fan_in alone.",
}

_VARIANCE_RULES = {
    "xavier": "Var(W) = 2 / (fan_in + fan_out)",
    "he": "Var(W) = 2 / fan_in (gain² = 2 for ReLU, divided by fan_in)",
    "lecun": "Var(W) = 1 / fan_in",
}

_GAIN_TEXT = {
    "linear": "1: a linear layer has no squashing to make up for",
    "sigmoid": "1",
    "tanh": "5/3 ≈ {gain}",
    "relu": "√2 ≈ {gain}: ReLU keeps half of the signal's energy, and gain² = 2 makes up for it",
    "leaky_relu": "√(2 / (1 + negative_slope²)) = √(2 / (1 + {slope}²)) ≈ {gain}",
}


# ------------------------------------------------------------------------------ helpers


def _two_fans(rng: np.random.Generator, difficulty: int) -> tuple[int, int]:
    """Two different layer widths (so fan_in and fan_out cannot be confused silently)."""
    fan_in, fan_out = rng.choice(_FANS[difficulty], size=2, replace=False)
    return int(fan_in), int(fan_out)


# ------------------------------------------------------------------------ init_variance


def _variance_slips(scheme: str, fan_in: int, fan_out: int) -> list[Slip]:
    std = {
        "xavier": init.xavier_std(fan_in, fan_out),
        "he": init.he_std(fan_in, fan_out),
        "lecun": init.lecun_std(fan_in),
    }[scheme]
    slips = [
        Slip(
            std,
            "That is the standard deviation √Var(W); the question asks for the variance.",
            STD_FOR_VARIANCE,
        ),
    ]
    if scheme == "xavier":
        slips += [
            Slip(
                init.he_variance(fan_in, fan_out),
                "That is He's 2 / fan_in. Xavier uses both fans: 2 / (fan_in + fan_out).",
                HE_RULE,
            ),
            Slip(
                init.lecun_variance(fan_in),
                "That is LeCun's 1 / fan_in. Xavier uses both fans: 2 / (fan_in + fan_out).",
                LECUN_RULE,
            ),
        ]
    elif scheme == "he":
        slips += [
            Slip(
                init.he_variance(fan_in, fan_out, mode="fan_out"),
                "You divided by fan_out. PyTorch's default He mode is fan_in: the number of "
                "inputs each unit sums, the columns of W.",
                WRONG_FAN,
            ),
            Slip(
                init.xavier_variance(fan_in, fan_out),
                "That is Xavier's 2 / (fan_in + fan_out). He uses fan_in alone: 2 / fan_in.",
                XAVIER_RULE,
            ),
            Slip(
                init.lecun_variance(fan_in),
                "That is LeCun's 1 / fan_in: He doubles it to make up for ReLU zeroing half "
                "of the inputs.",
                LECUN_RULE,
            ),
        ]
    else:
        slips += [
            Slip(
                init.he_variance(fan_in, fan_out),
                "That is He's 2 / fan_in: LeCun has no ReLU factor 2, Var(W) = 1 / fan_in.",
                HE_RULE,
            ),
            Slip(
                init.lecun_variance(fan_out),
                "You divided by fan_out: LeCun uses fan_in, the number of inputs to each unit.",
                WRONG_FAN,
            ),
        ]
    return slips


@topic("init_variance", "Weight variance of an init scheme", source=SOURCE_NOTES)
def init_variance_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        scheme = str(rng.choice(["xavier", "he", "lecun"]))
        fan_in, fan_out = _two_fans(rng, difficulty)
        answer = init.init_variance(scheme, fan_in, fan_out)
        # every rule's value told apart: with fan_out = 2·fan_in, He's 2/fan_out is LeCun's
        # 1/fan_in, and with fan_in = 2, He's variance 1 is its own std
        slips = _variance_slips(scheme, fan_in, fan_out)
        kept = sorted_out(answer, slips, FRACTION_TOLERANCE)
        if kept is not None and len(kept) == len(slips):
            break
    std = {
        "xavier": init.xavier_std(fan_in, fan_out),
        "he": init.he_std(fan_in, fan_out),
        "lecun": init.lecun_std(fan_in),
    }[scheme]
    bound = {
        "xavier": init.xavier_bound(fan_in, fan_out),
        "he": init.he_bound(fan_in, fan_out),
        "lecun": init.lecun_bound(fan_in),
    }[scheme]
    formula = {
        "xavier": f"2 / ({fan_in} + {fan_out})",
        "he": f"2 / {fan_in}",
        "lecun": f"1 / {fan_in}",
    }[scheme]
    prompt = (
        f"A dense layer maps fan_in = {fan_in} inputs to fan_out = {fan_out} outputs ({LAYOUT}). "
        f"Its weights are initialized with the {_SCHEME_NAMES[scheme]} scheme. "
        f"What is Var(W), the variance each weight is drawn with? "
        "Answer: one number, or a fraction such as 2/300 (tolerance 0.1%)."
    )
    steps = [
        _VARIANCE_HINTS[scheme],
        f"The rule: {_VARIANCE_RULES[scheme]}. Here Var(W) = {formula} = {num(answer, 6)}",
        f"For reference: the normal init draws with std = √Var(W) = {num(std, 6)}; a uniform "
        f"U(−a, a) has variance a²/3, so the same variance needs a = √3 · std = {num(bound, 6)}.",
    ]
    return Draft(
        formula=_VARIANCE_RULES[scheme],
        prompt=prompt,
        inputs={"scheme": scheme, "fan_in": fan_in, "fan_out": fan_out},
        answer=answer,
        steps=steps,
        tolerance=FRACTION_TOLERANCE,
        slips=kept,
    )


# ----------------------------------------------------------------------------- init_std


def _nonlinearities(scheme: str, difficulty: int) -> list[str]:
    if scheme == "xavier":
        return ["tanh", "linear", "sigmoid"] + (["relu"] if difficulty >= 2 else [])
    return ["relu"] + (["leaky_relu", "tanh", "linear"] if difficulty >= 2 else [])


@topic(
    "init_std",
    "Init scale with PyTorch's gain",
    source=SOURCE_TUTORIAL,
)
@redrawn
def init_std_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    scheme = str(rng.choice(["xavier", "he"]))
    distribution = "normal" if difficulty == 1 else str(rng.choice(["normal", "uniform"]))
    nonlinearity = str(rng.choice(_nonlinearities(scheme, difficulty)))
    fan_in, fan_out = _two_fans(rng, difficulty)
    mode: init.FanMode = "fan_in"
    if scheme == "he" and difficulty == 3 and rng.random() < 0.5:
        mode = "fan_out"
    slope: float | None = None
    if nonlinearity == "leaky_relu":
        slope = float(rng.choice([0.1, 0.2, 0.3]))

    def scale(dist: str, nl: str = nonlinearity, fan_mode: init.FanMode = mode) -> float:
        return init.init_scale(scheme, dist, fan_in, fan_out, nl, fan_mode, slope)

    answer = scale(distribution)
    gain = init.calculate_gain(nonlinearity, slope)
    std = scale("normal")
    inputs: dict[str, object] = {
        "scheme": scheme,
        "distribution": distribution,
        "fan_in": fan_in,
        "fan_out": fan_out,
        "nonlinearity": nonlinearity,
    }
    if scheme == "he":
        inputs["mode"] = mode
    if slope is not None:
        inputs["negative_slope"] = slope

    if scheme == "xavier":
        call = f"xavier_{distribution}_(W, gain=calculate_gain('{nonlinearity}'))"
        std_step = (
            f"Xavier: std = gain · √(2 / (fan_in + fan_out)) = {num(gain)} · "
            f"√(2 / ({fan_in} + {fan_out})) = {num(std, 6)}"
        )
        variance = init.xavier_variance(fan_in, fan_out, gain)
    else:
        slope_arg = f"a={num(slope)}, " if slope is not None else ""
        call = (
            f"kaiming_{distribution}_(W, {slope_arg}mode='{mode}', nonlinearity='{nonlinearity}')"
        )
        fan = fan_in if mode == "fan_in" else fan_out
        std_step = f"He: std = gain / √{mode} = {num(gain)} / √{fan} = {num(std, 6)}"
        variance = init.he_variance(fan_in, fan_out, mode, nonlinearity, slope or 0.0)

    slope_text = num(slope) if slope is not None else ""
    what = "the standard deviation" if distribution == "normal" else "the bound a of U(−a, a)"
    prompt = (
        f"A weight W with fan_in = {fan_in} and fan_out = {fan_out} ({LAYOUT}) is initialized "
        f"as PyTorch's {call} would. Give {what}, including the gain PyTorch's calculate_gain "
        f"returns for {nonlinearity}"
        + (f" with negative_slope = {slope_text}" if slope is not None else "")
        + ". Answer: one number, or an expression such as 3*sqrt(2)/7 (tolerance 0.1%)."
    )
    gain_text = _GAIN_TEXT[nonlinearity].format(gain=num(gain, 6), slope=slope_text)
    rule = (
        "std = gain · √(2 / (fan_in + fan_out))" if scheme == "xavier" else f"std = gain / √{mode}"
    )
    if distribution == "uniform":
        rule += ", and a uniform U(−a, a) with that std has a = √3 · std"
    steps = [f"calculate_gain('{nonlinearity}') is {gain_text}.", std_step]
    if distribution == "uniform":
        steps.append(
            f"U(−a, a) has variance a²/3, so matching the std needs a = √3 · std = "
            f"√3 · {num(std, 6)} = {num(answer, 6)}"
        )
    steps.append(f"The weights' variance is std² = {num(variance, 6)}.")

    slips = []
    if gain != 1.0:
        slips.append(
            Slip(
                scale(distribution, "linear"),
                f"You left out the gain: calculate_gain('{nonlinearity}') = {num(gain, 4)} "
                "multiplies the scale.",
                GAIN_LEFT_OUT,
            )
        )
    if distribution == "uniform":
        slips.append(
            Slip(
                std,
                "That is the std of the normal version: the uniform bound is √3 · std.",
                STD_FOR_BOUND,
            )
        )
    else:
        slips.append(
            Slip(
                scale("uniform"),
                "That is the uniform bound a = √3 · std: for the normal init give the std.",
                BOUND_FOR_STD,
            )
        )
        slips.append(
            Slip(
                variance,
                "That is the variance std²: give the standard deviation.",
                VARIANCE_FOR_STD,
            )
        )
    if scheme == "he":
        other: init.FanMode = "fan_out" if mode == "fan_in" else "fan_in"
        slips.append(
            Slip(
                scale(distribution, fan_mode=other),
                f"You used {other}; mode='{mode}' divides by {mode}.",
                WRONG_FAN,
            )
        )
    kept = sorted_out(answer, slips, FRACTION_TOLERANCE)
    if kept is None:
        return None
    return Draft(
        formula=rule,
        prompt=prompt,
        inputs=inputs,
        answer=answer,
        steps=steps,
        tolerance=FRACTION_TOLERANCE,
        slips=kept,
    )


# ------------------------------------------------------------------ variance_propagation

_PROPAGATION = {
    1: {
        "layers": (2, 3),
        "fans": (2, 4, 5, 10),
        "factors": (0.5, 2.0, 3.0),
        "inputs": (1.0, 2.0, 0.5),
    },
    2: {
        "layers": (3, 4, 5, 6),
        "fans": (10, 20, 50, 100),
        "factors": (0.5, 0.8, 1.2, 1.5, 2.0),
        "inputs": (0.5, 1.0, 2.0, 4.0),
    },
    3: {
        "layers": (5, 6, 8, 10),
        "fans": (64, 100, 128, 200, 256, 500),
        "factors": (0.5, 0.8, 0.9, 1.1, 1.2, 1.5, 2.0),
        "inputs": (0.5, 1.0, 2.0, 3.0),
    },
}


@topic(
    "variance_propagation",
    "Variance through linear layers",
    source=SOURCE_NOTES,
    formula="Var(z) = fan_in · Var(w) · Var(a) per layer, so the output variance is "
    "input_variance · (fan_in · weight_variance)^n_layers",
)
@redrawn
def variance_propagation_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    table = _PROPAGATION[difficulty]
    n_layers = int(rng.choice(table["layers"]))
    fan_in = int(rng.choice(table["fans"]))
    factor = float(rng.choice(table["factors"]))
    weight_variance = round(factor / fan_in, 10)
    input_variance = float(rng.choice(table["inputs"]))

    widths = [fan_in] * (n_layers + 1)
    trace = init.closed_form_variances(widths, weight_variance, input_variance)
    answer = float(trace.preactivation[-1])
    per_layer = init.linear_layer_variance(fan_in, weight_variance, 1.0)

    prompt = (
        f"A signal with variance input_variance = {num(input_variance)} (zero mean) passes "
        f"through n_layers = {n_layers} linear layers, no activation and no bias, each with "
        f"fan_in = {fan_in} inputs per unit and weights drawn independently with mean 0 and "
        f"variance weight_variance = {num(weight_variance, 10)}. What is the variance of the "
        f"output of the last layer? Answer: one number (tolerance 1%)."
    )
    steps = [
        "One layer: z = Σ_j w_j a_j adds fan_in independent products, each of variance "
        "Var(w) · Var(a), so Var(z) = fan_in · Var(w) · Var(a).",
        f"So every layer multiplies the variance by fan_in · Var(w) = {fan_in} · "
        f"{num(weight_variance, 10)} = {num(per_layer, 6)}.",
    ]
    steps += [
        f"Layer {k}: Var(z_{k}) = {num(value, 6)}" for k, value in enumerate(trace.preactivation, 1)
    ]
    trend = (
        "It shrinks geometrically: with more layers it vanishes."
        if per_layer < 1
        else "It grows geometrically: with more layers it explodes."
    )
    steps.append(
        f"In one line: Var(x) · (fan_in · Var(w))^{n_layers} = {num(input_variance)} · "
        f"{num(per_layer, 6)}^{n_layers} = {num(answer, 6)}. {trend} "
        f"Var(w) = 1 / fan_in = {num(init.lecun_variance(fan_in), 6)} would keep it at "
        f"{num(input_variance)}."
    )

    no_fan = init.closed_form_variances([1] * (n_layers + 1), weight_variance, input_variance)
    slips = [
        Slip(
            float(no_fan.preactivation[-1]),
            "You left out fan_in: each unit sums fan_in products, so each layer multiplies "
            "the variance by fan_in · Var(w), not by Var(w).",
            FAN_IN_LEFT_OUT,
        ),
        Slip(
            float(trace.activation[-2]),
            f"That is the variance after {n_layers - 1} layers: apply the factor once per "
            f"layer, {n_layers} times.",
            ONE_LAYER_SHORT,
        ),
    ]
    kept = sorted_out(answer, slips, PROPAGATION_TOLERANCE)
    if kept is None:
        return None
    return Draft(
        prompt=prompt,
        inputs={
            "n_layers": n_layers,
            "fan_in": fan_in,
            "weight_variance": weight_variance,
            "input_variance": input_variance,
        },
        answer=answer,
        steps=steps,
        tolerance=PROPAGATION_TOLERANCE,
        slips=kept,
    )
