"""Drills on softmax and the loss functions: probabilities, losses and their gradients.

Every number comes from `engine.softmax` and `engine.losses` (plus `engine.activations`
for σ). Conventions stated in each prompt: natural log, mean reduction, 0-based class
index, PyTorch's label smoothing q = (1 − ε)·onehot + ε/K.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import losses
from engine.activations import sigmoid
from engine.softmax import log_softmax, logsumexp, softmax
from studyapp.drills.base import (
    Checkpoint,
    Draft,
    Slip,
    Tolerance,
    decimals,
    distinct_slips,
    draw,
    num,
    vec,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.registry import topic

SOURCE_NOTES = "001_9b016ee9fe251ca9.txt"
SOURCE_TUTORIAL = "002_546d246df68e4ade.txt"
SOURCE_CHEATSHEET = "004_79820f2c78e41ff3.txt"

TOLERANCE = Tolerance()
CHECK = "4 decimals are plenty: the check allows 1% or 0.001"
MEAN = "mean reduction: average over the n elements"
LN = "natural log"
ZERO_BASED = "class indices start at 0, so target = 0 means the first entry of z"

Vector = np.ndarray

# The mistakes of this family, by stable id (shared across topics where the mistake is one).
LOG_BASE_10 = mistake(
    "softmax.log_base_10", "Took log base 10 in a cross-entropy, where the natural log ln belongs"
)
NOT_NORMALISED = mistake(
    "softmax.not_normalised", "Stopped at the exponentials e^z without dividing by their sum"
)
ONE_BASED = mistake(
    "classes.one_based_index", "Counted classes from 1, so the target picked the entry before it"
)
MISSING_MINUS = mistake(
    "cross_entropy.missing_minus", "Dropped the minus in front of the log: a negative loss"
)
FORGOT_ONEHOT = mistake(
    "softmax_ce.forgot_onehot", "Gave softmax(z) as ∂L/∂z without subtracting the one-hot target"
)
GRADIENT_SIGN = mistake(
    "softmax_ce.gradient_sign_flipped", "Wrote ∂L/∂z as onehot − softmax(z), the wrong way round"
)
NO_LOG = mistake(
    "log_softmax.no_log", "Gave the softmax probabilities where their natural log belongs"
)
HARD_TARGET = mistake(
    "label_smoothing.hard_target", "Used the hard one-hot target, leaving out the smoothing ε/K"
)
SUM_NOT_MEAN = mistake(
    "loss.sum_not_mean", "Added the per-element losses but never divided by n for the mean"
)
NOT_SQUARED = mistake("mse.residual_not_squared", "Left the residuals y − ŷ unsquared")
GRADIENT_NO_MEAN = mistake(
    "mse.gradient_missing_mean", "Left the mean's 1/n out of the gradient of the MSE"
)
LOSS_SIGN = mistake("squared_loss.sign_flipped", "Wrote ∂L/∂ŷ as 2(y − ŷ) instead of 2(ŷ − y)")
"""Shared with backprop.py's chain rule (same id, same text)."""
BRANCHES_SWAPPED = mistake(
    "bce.branches_swapped", "Took −ln(1 − p) for label 1 and −ln p for label 0: branches swapped"
)


# ------------------------------------------------------------------------------------ drawing


def _drawn(
    rng: np.random.Generator,
    n: int,
    low: float,
    high: float,
    difficulty: int,
    nonzero: bool = False,
) -> Vector:
    """`draw` with the difficulty's decimals, and −0.0 shown as 0."""
    return draw(rng, n, low, high, decimals(difficulty), nonzero) + 0.0


def _signed(x: float) -> str:
    """A number ready to follow a minus sign: negatives in parentheses."""
    return f"({num(x)})" if x < 0 else num(x)


def _length(difficulty: int) -> int:
    """3 entries by hand, 4 and 5 when harder."""
    return {1: 3, 2: 4}.get(difficulty, 5)


def _logits(rng: np.random.Generator, difficulty: int) -> Vector:
    """Logits with no two entries equal (no tie for the largest), none saturating softmax."""
    k = _length(difficulty)
    low, high = (-2.0, 2.0) if difficulty == 1 else (-3.0, 3.0)
    while True:
        z = _drawn(rng, k, low, high, difficulty)
        if np.unique(z).size == k:
            return z


def _target(rng: np.random.Generator, k: int) -> int:
    return int(rng.integers(0, k))


def _regression_pair(rng: np.random.Generator, difficulty: int) -> tuple[Vector, Vector]:
    """Targets y and predictions ŷ that differ in every element (no zero residual)."""
    n = _length(difficulty)
    spread = 1.5 if difficulty == 1 else 3.0
    while True:
        y = _drawn(rng, n, -2.0, 3.0, difficulty)
        offset = _drawn(rng, n, -spread, spread, difficulty, nonzero=True)
        y_hat = np.round(y + offset, decimals(difficulty)) + 0.0
        if np.all(np.abs(y - y_hat) > 1e-9):
            return y, y_hat


def _labels(rng: np.random.Generator, n: int) -> list[int]:
    """0/1 labels with both classes present."""
    while True:
        y = rng.integers(0, 2, size=n)
        if 0 < y.sum() < n:
            return [int(v) for v in y]


def _vector(values: Vector) -> list[float]:
    return [float(v) for v in values]


def _answer_form(n: int) -> str:
    return f"a vector of {n} numbers separated by commas"


# --------------------------------------------------------------------------------- softmax


@topic(
    "softmax",
    "Softmax of a logit vector",
    source=SOURCE_TUTORIAL,
    formula="softmax(z)_i = e^(z_i) / Σ_j e^(z_j)",
)
def softmax_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    z = _logits(rng, difficulty)
    exps = np.exp(z)
    total = float(np.sum(exps))
    s = softmax(z)
    prompt = (
        "Turn the logits z into probabilities with softmax (natural exp). "
        f"Answer: {_answer_form(z.size)}; they sum to 1 ({CHECK})."
    )
    steps = [
        f"Exponentiate every logit: e^z = {vec(exps)}",
        f"Add them up: Σ e^(z_j) = {num(total)}",
        f"Divide each exponential by that sum: softmax(z) = {vec(exps)} / {num(total)} = {vec(s)}",
        f"Check: the entries add to 1, and the largest logit (index {int(np.argmax(z))}) "
        f"gets the largest probability {num(float(np.max(s)))}.",
    ]
    slips = [
        Slip(
            _vector(exps),
            "Those are the raw exponentials e^z: you forgot to divide by their sum, "
            "so they do not add to 1.",
            NOT_NORMALISED,
        )
    ]

    def normalised(e: Mapping[str, Any]) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(e["exps"], dtype=np.float64) / float(e["total"])

    return Draft(
        prompt=prompt,
        inputs={"z": z},
        answer=s,
        steps=steps,
        slips=distinct_slips(_vector(s), slips),
        checkpoints=[
            Checkpoint("exps", "e^z for every logit", exps, lambda e: np.exp(z)),
            Checkpoint(
                "total",
                "Σ e^z",
                total,
                lambda e: float(np.sum(np.asarray(e["exps"], dtype=np.float64))),
            ),
            Checkpoint("answer", "softmax = e^z / Σ e^z", s, normalised),
        ],
    )


@topic(
    "log_softmax",
    "Log-softmax of a logit vector",
    source=SOURCE_NOTES,
    formula="log_softmax(z)_i = z_i − ln Σ_j e^(z_j)",
)
def log_softmax_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    z = _logits(rng, difficulty)
    lse = float(logsumexp(z))
    answer = log_softmax(z)
    prompt = (
        f"Compute log_softmax(z) entry by entry ({LN}). "
        f"Answer: {_answer_form(z.size)}, all negative ({CHECK})."
    )
    steps = [
        "log_softmax(z)_i = z_i − ln Σ_j e^(z_j), since ln(e^(z_i) / Σ e^(z_j)) splits: "
        "subtract one number, logsumexp(z), from every logit.",
        f"logsumexp(z) = ln Σ e^(z_j) = {num(lse)}",
        f"log_softmax(z) = z − {_signed(lse)} = {vec(answer)}",
        "Check: exponentiating the answer gives probabilities that add to 1.",
    ]
    slips = [
        Slip(
            _vector(softmax(z)),
            "That is softmax(z) itself: take the natural log of each probability.",
            NO_LOG,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"z": z},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
    )


# ------------------------------------------------------------------------- cross-entropy


@topic(
    "softmax_cross_entropy",
    "Cross-entropy from logits",
    source=SOURCE_NOTES,
    formula="L = −ln softmax(z)[target]",
)
def softmax_cross_entropy_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    z = _logits(rng, difficulty)
    t = _target(rng, z.size)
    s = softmax(z)
    answer = losses.softmax_cross_entropy(z, t)
    prompt = (
        f"The logits z score {z.size} classes and target = {t} ({ZERO_BASED}). "
        f"Compute the cross-entropy loss of the logits against the target ({LN}). "
        f"Answer: one number ({CHECK})."
    )
    steps = [
        f"Turn the logits into probabilities: softmax(z) = {vec(s)}",
        f"Only the target class counts. Counting from 0, entry {t} is p = {num(s[t])}",
        f"L = −ln p = −ln({num(s[t])}) = {num(answer)}",
        f"Same number without forming softmax: L = logsumexp(z) − z[{t}] = "
        f"{num(float(logsumexp(z)))} − {_signed(z[t])} = {num(answer)}",
    ]
    slips = [
        Slip(
            losses.change_log_base(answer, 10),
            "That is −log10 of the probability: cross-entropy uses the natural log, ln.",
            LOG_BASE_10,
        ),
        Slip(-answer, "That is ln p, which is negative: the loss is −ln p.", MISSING_MINUS),
        *([_one_based(-math.log(s[t - 1]), t)] if t else []),
    ]
    return Draft(
        prompt=prompt,
        inputs={"z": z, "target": t},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, slips),
        checkpoints=cross_entropy_checkpoints(z, t, s, answer),
    )


def _one_based(value: Any, t: int) -> Slip:
    return Slip(
        value,
        f"That puts the target at index {t - 1}, counting the classes from 1; they are "
        f"counted from 0, so target = {t} is index {t}.",
        ONE_BASED,
    )


def _probabilities(z: Vector, s: Vector) -> Checkpoint:
    """softmax(z), the first step of every cross-entropy drill."""
    slips = [
        Slip(
            _vector(np.exp(z)),
            "Those are the raw exponentials e^z: divide each by their sum.",
            NOT_NORMALISED,
        )
    ]
    return Checkpoint("probs", "softmax(z)", s, lambda e: softmax(z), distinct_slips(s, slips))


def _neg_log(e: Mapping[str, Any]) -> float:
    """−ln p from the learner's p; no value for a p that is not a positive number."""
    p = float(e["p"])
    if not p > 0:
        raise ValueError("the log of a non-positive p")
    return -math.log(p)


def cross_entropy_checkpoints(z: Vector, t: int, s: Vector, answer: float) -> list[Checkpoint]:
    """probs = softmax(z), p = probs[target], then L = −ln p from the learner's p."""

    def picked(e: Mapping[str, Any]) -> float:
        return float(np.asarray(e["probs"], dtype=np.float64)[t])

    return [
        _probabilities(z, s),
        Checkpoint(
            "p",
            "p = softmax(z)[target]",
            float(s[t]),
            picked,
            distinct_slips(float(s[t]), [_one_based(float(s[t - 1]), t)] if t else []),
        ),
        Checkpoint("answer", "L = −ln p", answer, _neg_log),
    ]


@topic(
    "softmax_ce_gradient",
    "Gradient of softmax cross-entropy",
    source=SOURCE_TUTORIAL,
    formula="∂L/∂z = softmax(z) − onehot(target)",
)
def softmax_ce_gradient_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    z = _logits(rng, difficulty)
    t = _target(rng, z.size)
    s = softmax(z)
    e = losses.one_hot(t, z.size)
    answer = losses.softmax_cross_entropy_gradient(z, t)
    prompt = (
        f"L is the cross-entropy of the logits z against target = {t} ({ZERO_BASED}; {LN}). "
        f"Compute the gradient ∂L/∂z. Answer: {_answer_form(z.size)} ({CHECK})."
    )
    steps = [
        "Softmax followed by cross-entropy has a short gradient: "
        "∂L/∂z = softmax(z) − onehot(target), prediction minus truth.",
        f"softmax(z) = {vec(s)}",
        f"onehot({t}) = {vec(e)} (a 1 at index {t}, counting from 0)",
        f"∂L/∂z = {vec(s)} − {vec(e)} = {vec(answer)}",
        "Check: the entries add to 0; only the target's is negative, so a gradient step "
        "raises the target logit and lowers the others.",
    ]
    slips = [
        Slip(
            _vector(s),
            "That is softmax(z) alone: subtract the one-hot target (1 at the target index).",
            FORGOT_ONEHOT,
        ),
        Slip(
            _vector(-answer),
            "The sign is flipped: the gradient is softmax(z) − onehot, prediction minus target.",
            GRADIENT_SIGN,
        ),
        *([_one_based(_vector(s - losses.one_hot(t - 1, z.size)), t)] if t else []),
    ]

    def gradient(earlier: Mapping[str, Any]) -> Any:
        return np.asarray(earlier["probs"], dtype=np.float64) - e

    return Draft(
        prompt=prompt,
        inputs={"z": z, "target": t},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
        checkpoints=[
            _probabilities(z, s),
            Checkpoint("answer", "softmax(z) − onehot", answer, gradient),
        ],
    )


@topic(
    "label_smoothing_ce",
    "Cross-entropy with label smoothing",
    source=SOURCE_NOTES,
    formula="L = −Σ_c q_c ln softmax(z)_c with q = (1 − epsilon)·onehot(target) + epsilon/K",
)
def label_smoothing_ce_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    z = _logits(rng, difficulty)
    k = z.size
    t = _target(rng, k)
    choices = [0.1, 0.2] if difficulty == 1 else [0.05, 0.1, 0.15, 0.2]
    epsilon = float(rng.choice(choices))
    q = losses.smoothed_targets(t, k, epsilon)
    log_s = log_softmax(z)
    answer = losses.softmax_cross_entropy(z, t, label_smoothing=epsilon)
    prompt = (
        f"Cross-entropy with label smoothing epsilon = {num(epsilon)} over K = {k} classes, "
        f"target = {t} ({ZERO_BASED}). PyTorch's convention: the smoothing mass epsilon is "
        f"spread evenly over all K classes, the target class included ({LN}). "
        f"Answer: one number ({CHECK})."
    )
    steps = [
        f"Smoothed target: every class gets epsilon/K = {num(q[(t + 1) % k])}, and the "
        "target class "
        f"gets 1 − epsilon on top: q = {vec(q)}",
        f"Log-probabilities: ln softmax(z) = {vec(log_s)}",
        f"L = −Σ q_c · ln softmax(z)_c = {num(answer)}",
    ]
    slips = [
        Slip(
            losses.softmax_cross_entropy(z, t),
            "That is the loss with a hard one-hot target: smoothing moves epsilon of the "
            "target's weight onto all K classes, epsilon/K each.",
            HARD_TARGET,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"z": z, "target": t, "epsilon": epsilon},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, slips),
    )


# -------------------------------------------------------------------------- regression


def _sum_slip(value: float) -> Slip:
    return Slip(value, "That is the sum over the elements: the mean divides it by n.", SUM_NOT_MEAN)


def _sum_and_mean(
    loss: str,
    name: str,
    label: str,
    terms: Vector,
    total: float,
    answer: float,
    terms_slips: list[Slip],
) -> list[Checkpoint]:
    """The per-element terms, their sum from the learner's terms, and the mean from their
    sum: the steps of every mean-reduced loss written out by hand."""
    n = terms.size
    return [
        Checkpoint(
            name,
            label,
            terms,
            lambda e: terms,
            distinct_slips(_vector(terms), terms_slips),
        ),
        Checkpoint(
            "total",
            f"Σ of the {name}",
            total,
            lambda e: float(np.sum(np.asarray(e[name], dtype=np.float64))),
        ),
        Checkpoint("answer", f"{loss} = total / n", answer, lambda e: float(e["total"]) / n),
    ]


@topic("mse", "Mean squared error", source=SOURCE_TUTORIAL, formula="MSE = mean((y − ŷ)²)")
def mse_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    y, y_hat = _regression_pair(rng, difficulty)
    squares = losses.mse_elementwise(y, y_hat)
    total = losses.mse(y, y_hat, reduction="sum")
    answer = losses.mse(y, y_hat)
    prompt = (
        "Compute the mean squared error between targets y and predictions y_hat "
        f"({MEAN}). Answer: one number ({CHECK})."
    )
    steps = [
        f"Square each error (y_i − ŷ_i)²: {vec(squares)}",
        f"Add them: Σ (y_i − ŷ_i)² = {num(total)}",
        f"Divide by n = {y.size}: MSE = {num(total)} / {y.size} = {num(answer)}",
    ]
    unsquared = Slip(
        _vector(y - y_hat),
        "Those are the residuals y − ŷ: square each one.",
        NOT_SQUARED,
    )
    return Draft(
        prompt=prompt,
        inputs={"y": y, "y_hat": y_hat},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, [_sum_slip(total)]),
        checkpoints=_sum_and_mean(
            "MSE", "squares", "(y − ŷ)² per element", squares, total, answer, [unsquared]
        ),
    )


@topic(
    "mse_gradient",
    "Gradient of the mean squared error",
    source=SOURCE_TUTORIAL,
    formula="∂L/∂ŷ_i = 2(ŷ_i − y_i)/n",
)
def mse_gradient_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    y, y_hat = _regression_pair(rng, difficulty)
    n = y.size
    doubled = losses.mse_gradient(y, y_hat, reduction="sum")
    answer = losses.mse_gradient(y, y_hat)
    prompt = (
        f"L is the mean squared error between targets y and predictions y_hat ({MEAN}). "
        "Compute the gradient ∂L/∂y_hat. "
        f"Answer: {_answer_form(n)} ({CHECK})."
    )
    steps = [
        "Each ŷ_i appears in one term of (1/n)Σ(y_j − ŷ_j)², so ∂L/∂ŷ_i = 2(ŷ_i − y_i)/n "
        f"with n = {n}",
        f"2(ŷ − y) = {vec(doubled)}",
        f"Divide by n = {n}: ∂L/∂ŷ = {vec(answer)}",
    ]
    slips = [
        Slip(
            _vector(doubled),
            "You left out the 1/n that the mean puts in front of every term.",
            GRADIENT_NO_MEAN,
        ),
        Slip(
            _vector(-answer),
            "The sign is flipped: that is ∂L/∂y. With respect to the prediction it is 2(ŷ − y)/n.",
            LOSS_SIGN,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"y": y, "y_hat": y_hat},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
    )


@topic("mae", "Mean absolute error", source=SOURCE_TUTORIAL, formula="MAE = mean(|y − ŷ|)")
def mae_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    y, y_hat = _regression_pair(rng, difficulty)
    sizes = losses.mae_elementwise(y, y_hat)
    total = losses.mae(y, y_hat, reduction="sum")
    answer = losses.mae(y, y_hat)
    prompt = (
        f"Compute the mean absolute error between targets y and predictions y_hat ({MEAN}). "
        f"Answer: one number ({CHECK})."
    )
    steps = [
        f"Size of each error |y_i − ŷ_i|: {vec(sizes)}",
        f"Add them: Σ |y_i − ŷ_i| = {num(total)}",
        f"Divide by n = {y.size}: MAE = {num(answer)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"y": y, "y_hat": y_hat},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, [_sum_slip(total)]),
    )


def _huber_case(rng: np.random.Generator, difficulty: int) -> tuple[Vector, Vector, float]:
    """y, ŷ and δ with no residual on the boundary |r| = δ; at difficulty ≥ 2 residuals on both
    sides."""
    deltas = [1.0] if difficulty == 1 else [0.5, 1.0, 1.5]
    while True:
        y, y_hat = _regression_pair(rng, difficulty)
        delta = float(rng.choice(deltas))
        sizes = losses.mae_elementwise(y, y_hat)
        if np.any(np.abs(sizes - delta) < 1e-6):
            continue
        both_sides = bool(np.any(sizes < delta) and np.any(sizes > delta))
        if difficulty == 1 or both_sides:
            return y, y_hat, delta


@topic(
    "huber",
    "Huber loss",
    source=SOURCE_TUTORIAL,
    formula="per residual r: ½r² if |r| ≤ delta, else delta·(|r| − ½·delta)",
)
def huber_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    y, y_hat, delta = _huber_case(rng, difficulty)
    sizes = losses.mae_elementwise(y, y_hat)
    terms = losses.huber_elementwise(y, y_hat, delta)
    total = losses.huber(y, y_hat, delta, reduction="sum")
    answer = losses.huber(y, y_hat, delta)
    d = num(delta)
    prompt = (
        f"Compute the Huber loss with delta = {d} between y and y_hat, as PyTorch's HuberLoss "
        f"does (not SmoothL1Loss, which also divides by delta); {MEAN}. "
        f"Answer: one number ({CHECK})."
    )
    branches = ", ".join(
        f"{num(r)} {'≤' if r <= delta else '>'} {d} → {'½r²' if r <= delta else 'linear'}"
        for r in sizes
    )
    steps = [
        f"Residual sizes |ŷ − y| = {vec(sizes)}; compare each with delta: {branches}",
        f"Terms: ½r² inside, {d}·(|r| − {d}/2) outside: {vec(terms)}",
        f"Add them: {num(total)}",
        f"Divide by n = {y.size}: Huber = {num(answer)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"y": y, "y_hat": y_hat, "delta": delta},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, [_sum_slip(total)]),
    )


# ----------------------------------------------------------------------- binary cross-entropy


def _log_slip(answer: float | Vector) -> Slip:
    """A loss (or each of its terms) as −log10 instead of −ln."""
    values = [losses.change_log_base(float(v), 10) for v in np.ravel(answer)]
    return Slip(
        values if np.ndim(answer) else values[0],
        "That used log base 10: cross-entropy uses the natural log, ln.",
        LOG_BASE_10,
    )


@topic(
    "bce",
    "Binary cross-entropy",
    source=SOURCE_TUTORIAL,
    formula="BCE = −mean(y·ln p + (1 − y)·ln(1 − p))",
)
def bce_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = _length(difficulty)
    y = _labels(rng, n)
    low, high = (0.1, 0.9) if difficulty == 1 else (0.05, 0.95)
    p = _drawn(rng, n, low, high, difficulty)
    terms = losses.bce_elementwise(y, p)
    total = losses.binary_cross_entropy(y, p, reduction="sum")
    answer = losses.binary_cross_entropy(y, p)
    prompt = (
        "y holds 0/1 labels and p the predicted probabilities that the label is 1. Compute "
        f"the binary cross-entropy ({LN}; {MEAN}). "
        f"Answer: one number ({CHECK})."
    )
    picks = ", ".join(
        f"−ln({num(pi)})" if yi == 1 else f"−ln(1 − {num(pi)})" for yi, pi in zip(y, p, strict=True)
    )
    steps = [
        f"Only one log survives per element: y = 1 keeps −ln p, y = 0 keeps −ln(1 − p): {picks}",
        f"Those terms are {vec(terms)}",
        f"Add them: {num(total)}",
        f"Divide by n = {n}: BCE = {num(answer)}",
    ]
    term_slips = [
        _log_slip(terms),
        Slip(
            _vector(losses.bce_elementwise(1 - np.asarray(y), p)),
            "The branches are swapped: a label 1 keeps −ln p and a label 0 keeps −ln(1 − p).",
            BRANCHES_SWAPPED,
        ),
        Slip(
            _vector(-terms),
            "Those are negative: each term is −ln of a probability, which is positive.",
            MISSING_MINUS,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"y": y, "p": p},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, [_log_slip(answer), _sum_slip(total)]),
        checkpoints=_sum_and_mean(
            "BCE", "terms", "−ln term per element", terms, total, answer, term_slips
        ),
    )


@topic(
    "bce_logits",
    "Binary cross-entropy from logits",
    source=SOURCE_TUTORIAL,
    formula="p = σ(x) = 1/(1 + e^(−x)), BCE = −mean(y·ln p + (1 − y)·ln(1 − p))",
)
def bce_logits_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = _length(difficulty)
    y = _labels(rng, n)
    bound = 3.0 if difficulty == 1 else 4.0
    x = _drawn(rng, n, -bound, bound, difficulty, nonzero=True)
    p = sigmoid(x)
    terms = losses.bce_with_logits_elementwise(y, x)
    total = losses.bce_with_logits(y, x, reduction="sum")
    answer = losses.bce_with_logits(y, x)
    prompt = (
        "y holds 0/1 labels and logits the raw scores x; the predicted probability of label 1 "
        f"is the sigmoid of x. Compute the binary cross-entropy ({LN}; {MEAN}). "
        f"Answer: one number ({CHECK})."
    )
    steps = [
        f"Probabilities from the logits: σ(x) = {vec(p)}",
        "Per element −[y ln σ(x) + (1 − y) ln(1 − σ(x))], which equals the overflow-free "
        f"max(x, 0) − x·y + ln(1 + e^(−|x|)): {vec(terms)}",
        f"Add them: {num(total)}",
        f"Divide by n = {n}: BCE = {num(answer)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"y": y, "logits": x},
        answer=answer,
        steps=steps,
        slips=distinct_slips(answer, [_log_slip(answer), _sum_slip(total)]),
    )
