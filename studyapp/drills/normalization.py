"""Drills on normalization layers: LayerNorm, BatchNorm (training, evaluation, running
statistics), RMSNorm, and the LayerNorm backward pass.

Every number comes from `engine.normalization`. Conventions stated in the prompts
(PyTorch's): the BIASED variance (divide by n) inside the normalization, eps inside the
square root, BatchNorm statistics down each column of X (batch × features), running
statistics updated with momentum weighting the NEW batch value and the UNBIASED variance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import normalization as norm
from studyapp.drills.base import (
    Answer,
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
from studyapp.drills.registry import topic

SOURCE_NOTES = "001_9b016ee9fe251ca9.txt"
SOURCE_TUTORIAL = "002_546d246df68e4ade.txt"

TOLERANCE = Tolerance()
CHECK = "4 decimals are plenty: the check allows 1% or 0.001"
BIASED = "biased variance: divide by n, not n − 1"

Vector = np.ndarray

LAYER_UNBIASED = mistake(
    "layer_norm.unbiased_variance",
    "Divided by n − 1 (the unbiased variance) where LayerNorm divides by n",
)
BATCH_UNBIASED = mistake(
    "batch_norm.unbiased_variance",
    "Normalized with the unbiased batch variance (n − 1); BatchNorm divides by the batch size",
)
NORMALIZED_ROWS = mistake(
    "batch_norm.normalized_rows",
    "Took BatchNorm's statistics over each sample's features (LayerNorm) instead of down each "
    "feature's column",
)
DIVIDED_BY_VARIANCE = mistake(
    "normalization.divided_by_variance",
    "Divided by the variance σ² + eps instead of its square root √(σ² + eps)",
)
NOT_CENTRED = mistake(
    "normalization.not_centred", "Divided by √(σ² + eps) without subtracting the mean first"
)
SUBTRACTED_MEAN = mistake(
    "rms_norm.subtracted_mean", "Subtracted the mean in RMSNorm, which only rescales (LayerNorm)"
)
FORGOT_SCALE_SHIFT = mistake(
    "batch_norm.forgot_scale_shift", "Stopped at x̂ without the learned gamma ⊙ x̂ + beta"
)
BIASED_RUNNING = mistake(
    "batch_norm.biased_running_variance",
    "Updated running_var with the biased batch variance; PyTorch uses the unbiased one",
)
MOMENTUM_SWAPPED = mistake(
    "batch_norm.momentum_swapped",
    "Gave momentum to the old running value; in PyTorch it weighs the new batch statistic",
)
NO_MOVING_AVERAGE = mistake(
    "batch_norm.no_moving_average",
    "Replaced the running statistic by the batch's own instead of mixing the two",
)
STATISTICS_AS_CONSTANTS = mistake(
    "layer_norm.statistics_as_constants",
    "Backpropagated through LayerNorm as if the mean and variance did not depend on x",
)


# ------------------------------------------------------------------------------ helpers


def _plain(values: Vector) -> Answer:
    """A vector or matrix as plain floats (−0.0 shown as 0)."""
    result: Answer = (np.asarray(values, dtype=np.float64) + 0.0).tolist()
    return result


def _array(values: Any) -> Vector:
    """A slip's or step's value as floats (−0.0 shown as 0): kept an array, which the problem
    turns into plain lists once, rather than walking nested lists number by number."""
    return np.asarray(values, dtype=np.float64) + 0.0


def _length(difficulty: int) -> int:
    """3 entries by hand, 4 and 5 when harder."""
    return {1: 3, 2: 4}.get(difficulty, 5)


def _values(
    rng: np.random.Generator, shape: int | tuple[int, ...], low: float, high: float, difficulty: int
) -> Vector:
    return draw(rng, shape, low, high, decimals(difficulty)) + 0.0


def _eps(rng: np.random.Generator, difficulty: int) -> float:
    """PyTorch's 1e-5 by hand; harder problems sometimes use an eps large enough to matter."""
    choices = {1: (1e-5,), 2: (1e-5, 1e-3), 3: (1e-5, 1e-2, 0.1)}[difficulty]
    return float(rng.choice(choices))


def _spread(
    rng: np.random.Generator, shape: int | tuple[int, ...], axis: int, difficulty: int
) -> Vector:
    """Values whose every slice along `axis` has variance ≥ 0.1 and no entry at its mean."""
    while True:
        x = _values(rng, shape, -3.0, 3.0, difficulty)
        parts = norm.standardize(x, axis=axis)
        if np.all(parts.var >= 0.1) and np.all(np.abs(parts.centered) > 1e-9):
            return x


def _signed(x: float, digits: int = 6) -> str:
    """A number ready to follow an operator: negatives in parentheses."""
    return f"({num(x, digits)})" if x < 0 else num(x, digits)


def _matrix_form(shape: tuple[int, ...]) -> str:
    return f"a {shape[0]}×{shape[1]} matrix, rows separated by ;"


def _vector_form(n: int) -> str:
    return f"a vector of {n} numbers separated by commas"


def _learner(value: Any, like: Vector) -> Vector:
    """A learner's earlier value in the engine's shape ([[5]] for 5, a column for a row: the
    checker lets those stand for each other)."""
    return np.asarray(value, dtype=np.float64).reshape(np.shape(like))


def _standardized(x: Vector, mean: Vector, var: Vector, eps: float, axis: int) -> Vector:
    """(x − mean) / √(var + eps) from a learner's statistics (None of a negative σ² + eps)."""
    if np.any(var + eps <= 0):
        raise ValueError("no square root of a negative variance")
    return norm.standardize_with(
        x, np.expand_dims(mean, axis), np.expand_dims(var, axis), eps
    ).x_hat


def _statistics_steps(
    x: Vector,
    eps: float,
    axis: int,
    parts: norm.Standardization,
    mean_slips: list[Slip],
    var_slips: list[Slip],
) -> list[Checkpoint]:
    """mean, var, answer: the statistics along `axis` (−1: the vector's own for LayerNorm; 0:
    each column's for BatchNorm), each recomputed from the learner's earlier values."""
    mean = parts.mean.squeeze(axis) if x.ndim > 1 else parts.mean[0]
    var = parts.var.squeeze(axis) if x.ndim > 1 else parts.var[0]
    n = x.shape[axis]

    def variance(e: Mapping[str, Any]) -> Any:
        centre = np.expand_dims(_learner(e["mean"], mean), axis)
        return np.sum((x - centre) ** 2, axis=axis) / n

    def answer(e: Mapping[str, Any]) -> Vector:
        return _standardized(x, _learner(e["mean"], mean), _learner(e["var"], var), eps, axis)

    return [
        Checkpoint(
            "mean",
            "mean of x" if x.ndim == 1 else "column means μ",
            mean,
            lambda e: np.mean(x, axis=axis),
            distinct_slips(_array(mean), mean_slips, TOLERANCE),
        ),
        Checkpoint(
            "var",
            "σ² = Σ(x − μ)²/n" if x.ndim == 1 else "column variances σ²",
            var,
            variance,
            distinct_slips(_array(var), var_slips, TOLERANCE),
        ),
        Checkpoint("answer", "x̂ = (x − μ)/√(σ² + eps)", parts.x_hat, answer),
    ]


def _shape_slips(x: Vector, parts: norm.Standardization, eps: float, axis: int) -> list[Slip]:
    """Two slips of every normalization's last step: no square root, no centring."""
    return [
        Slip(
            _array(parts.centered / (parts.var + eps)),
            "Divide by the standard deviation √(σ² + eps), not by the variance itself.",
            DIVIDED_BY_VARIANCE,
        ),
        Slip(
            _array(x / parts.std),
            "Subtract the mean first: x̂ = (x − μ)/√(σ² + eps).",
            NOT_CENTRED,
        ),
    ]


# --------------------------------------------------------------------------- layer_norm


@topic(
    "layer_norm",
    "LayerNorm of a vector",
    source=SOURCE_NOTES,
    formula="y = (x − mean(x)) / √(var(x) + eps)",
)
def layer_norm_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = _length(difficulty)
    x = _spread(rng, n, -1, difficulty)
    eps = _eps(rng, difficulty)
    parts = norm.standardize(x, eps=eps)
    answer = norm.layer_norm(x, eps=eps)
    prompt = (
        f"Apply LayerNorm to the vector x with eps = {num(eps)} and no learnable scale or "
        f"shift (γ = 1, β = 0). Conventions: the statistics are taken over the entries of x; "
        f"{BIASED}; eps goes inside the square root. Answer: {_vector_form(n)} ({CHECK})."
    )
    steps = [
        f"LayerNorm uses the statistics of this one vector. Mean: μ = Σx / {n} = "
        f"{num(parts.mean[0])}",
        f"Deviations: x − μ = {vec(parts.centered)}",
        f"Biased variance: σ² = Σ(x − μ)² / {n} = {num(parts.var[0], 6)}",
        f"√(σ² + eps) = √({num(parts.var[0], 6)} + {num(eps)}) = {num(parts.std[0], 6)}",
        f"x̂ = (x − μ) / √(σ² + eps) = {vec(answer)}. Check: the entries sum to 0.",
    ]
    slips = [
        Slip(
            _array(norm.standardize(x, eps=eps, ddof=1).x_hat),
            f"You used the unbiased variance (divide by n − 1 = {n - 1}). LayerNorm, like "
            f"BatchNorm, uses the biased one: divide by n = {n}.",
            LAYER_UNBIASED,
        ),
        *_shape_slips(x, parts, eps, -1),
    ]
    var_slips = [
        Slip(
            float(norm.standardize(x, ddof=1).var[0]),
            f"LayerNorm's variance is the biased one: divide Σ(x − μ)² by n = {n}, not "
            f"n − 1 = {n - 1}.",
            LAYER_UNBIASED,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "eps": eps},
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
        checkpoints=_statistics_steps(x, eps, -1, parts, [], var_slips),
    )


# --------------------------------------------------------------------------- batch_norm


_BATCH_SHAPES = {1: ((3, 2),), 2: ((4, 2), (4, 3)), 3: ((5, 3), (4, 4), (6, 2))}


@topic(
    "batch_norm",
    "BatchNorm in training mode",
    source=SOURCE_NOTES,
    formula="y = (x − column mean) / √(column variance + eps), column by column",
)
def batch_norm_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    options = _BATCH_SHAPES[difficulty]
    shape = options[int(rng.integers(len(options)))]
    X = _spread(rng, shape, 0, difficulty)
    eps = _eps(rng, difficulty)
    parts = norm.standardize(X, axis=0, eps=eps)
    answer = norm.batch_normalize(X, eps)
    batch, features = shape
    prompt = (
        f"X holds a batch of {batch} samples (rows) with {features} features (columns). Apply "
        f"BatchNorm in training mode with eps = {num(eps)} and no learnable scale or shift: "
        f"each feature uses its own batch statistics; {BIASED}; eps goes inside the square root. "
        f"Answer: {_matrix_form(shape)} ({CHECK})."
    )
    steps = [
        "BatchNorm works column by column: each feature gets the mean and variance of its "
        f"column, taken over the batch. Column means: μ = {vec(parts.mean[0])}",
        f"Biased column variances: σ² = Σ(x − μ)² / {batch} = {vec(parts.var[0], 6)}",
        f"√(σ² + eps) per column = {vec(parts.std[0], 6)}",
        f"X̂ = (X − μ) / √(σ² + eps), column by column = {mat(answer)}. "
        "Check: every column sums to 0.",
    ]
    slips = [
        Slip(
            _array(norm.standardize(X, axis=0, eps=eps, ddof=1).x_hat),
            f"You used the unbiased variance (divide by n − 1 = {batch - 1}). The normalization "
            f"uses the biased one, divide by the batch size {batch}. (PyTorch keeps the "
            "unbiased one only for running_var.)",
            BATCH_UNBIASED,
        ),
        Slip(
            _array(norm.layer_norm(X, eps=eps)),
            "You normalized each row (sample) over its features: that is LayerNorm. BatchNorm "
            "normalizes each column (feature) across the batch.",
            NORMALIZED_ROWS,
        ),
        *_shape_slips(X, parts, eps, 0),
    ]
    rows = norm.standardize(X, axis=1)
    columns = "BatchNorm's statistics run down each column (feature), over the batch"
    mean_slips = [
        Slip(_array(rows.mean[:, 0]), f"Those are row means: {columns}.", NORMALIZED_ROWS)
    ]
    var_slips = [
        Slip(
            _array(norm.unbiased_variance(X)),
            f"Divide by the batch size {batch}, not n − 1 = {batch - 1}: the normalization "
            "uses the biased variance.",
            BATCH_UNBIASED,
        ),
        Slip(_array(rows.var[:, 0]), f"Those are row variances: {columns}.", NORMALIZED_ROWS),
    ]
    return Draft(
        prompt=prompt,
        inputs={"X": X, "eps": eps},
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
        checkpoints=_statistics_steps(X, eps, 0, parts, mean_slips, var_slips),
    )


# ----------------------------------------------------------------------------- rms_norm


@topic(
    "rms_norm",
    "RMSNorm of a vector",
    source=SOURCE_TUTORIAL,
    formula="y = x / √(mean(x²) + eps), no mean subtracted",
)
def rms_norm_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = _length(difficulty)
    while True:
        x = _values(rng, n, -3.0, 3.0, difficulty)
        if np.all(x != 0) and abs(float(norm.standardize(x).mean[0])) > 0.2:
            break
    eps = _eps(rng, difficulty)
    mean_square = float(norm.mean_square(x)[0])
    root = float(norm.rms(x, eps)[0])
    answer = norm.rms_norm(x, eps=eps)
    prompt = (
        f"Apply RMSNorm to x with eps = {num(eps)} and γ = 1 (no learnable scale). Convention: "
        f"eps goes inside the square root. Answer: {_vector_form(n)} ({CHECK})."
    )
    steps = [
        f"RMSNorm rescales without centring. Mean of the squares: mean(x²) = {num(mean_square, 6)}",
        f"RMS = √(mean(x²) + eps) = √({num(mean_square, 6)} + {num(eps)}) = {num(root, 6)}",
        f"y = x / RMS = {vec(x)} / {num(root, 6)} = {vec(answer)}",
    ]
    slips = [
        Slip(
            _array(norm.layer_norm(x, eps=eps)),
            "You subtracted the mean first: that is LayerNorm. RMSNorm only divides by the "
            "root mean square.",
            SUBTRACTED_MEAN,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "eps": eps},
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
    )


# ---------------------------------------------------------------------- batch_norm_eval


@topic(
    "batch_norm_eval",
    "BatchNorm at inference",
    source=SOURCE_TUTORIAL,
    formula="y = gamma · (x − running_mean) / √(running_var + eps) + beta",
)
def batch_norm_eval_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = {1: 2, 2: 3}.get(difficulty, 4)
    d = decimals(difficulty)
    eps = _eps(rng, difficulty)
    while True:
        x = _values(rng, n, -3.0, 3.0, difficulty)
        running_mean = _values(rng, n, -1.0, 1.0, difficulty)
        running_var = draw(rng, n, 0.2, 4.0, d)
        gamma = draw(rng, n, 0.5, 2.0, d)
        beta = _values(rng, n, -1.0, 1.0, difficulty)
        parts = norm.standardize_with(x, running_mean, running_var, eps)
        if np.all(np.abs(parts.centered) > 1e-9):
            break
    answer = norm.batch_norm_eval(x, running_mean, running_var, gamma, beta, eps)
    prompt = (
        f"A BatchNorm layer in evaluation mode receives one sample x with {n} features. It has "
        "running_mean and running_var from training and the learned gamma and beta; "
        f"eps = {num(eps)}, inside the square root. Compute its output, feature by feature. "
        f"Answer: {_vector_form(n)} ({CHECK})."
    )
    steps = [
        "At inference BatchNorm uses the running statistics collected in training, so one "
        f"sample can be normalized on its own. x − running_mean = {vec(parts.centered)}",
        f"√(running_var + eps) = {vec(parts.std, 6)}",
        f"x̂ = (x − running_mean) / √(running_var + eps) = {vec(parts.x_hat)}",
        f"y = gamma ⊙ x̂ + beta = {vec(answer)}",
    ]
    slips = [
        Slip(
            _array(norm.batch_norm_eval(x, running_mean, running_var, eps=eps)),
            "That is x̂ alone: apply the learned scale and shift, gamma ⊙ x̂ + beta.",
            FORGOT_SCALE_SHIFT,
        ),
        Slip(
            _array(norm.batch_norm_eval(x, running_mean, np.square(running_var), gamma, beta, eps)),
            "You divided by running_var itself. It is a variance: divide by its square root, "
            "√(running_var + eps).",
            DIVIDED_BY_VARIANCE,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={
            "x": x,
            "running_mean": running_mean,
            "running_var": running_var,
            "gamma": gamma,
            "beta": beta,
            "eps": eps,
        },
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
    )


# ------------------------------------------------------------- batch_norm_running_stats


@topic(
    "batch_norm_running_stats",
    "BatchNorm running variance update",
    source=SOURCE_TUTORIAL,
    formula="running_var ← (1 − momentum) · running_var + momentum · unbiased batch variance",
)
def batch_norm_running_stats_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    options = _BATCH_SHAPES[difficulty]
    shape = options[int(rng.integers(len(options)))]
    X = _spread(rng, shape, 0, difficulty)
    running_var = draw(rng, shape[1], 0.5, 2.0, decimals(difficulty))
    momentum = 0.1 if difficulty < 3 else float(rng.choice([0.1, 0.05, 0.2]))
    batch = shape[0]
    means, biased = norm.batch_mean_var(X)
    unbiased = norm.unbiased_variance(X)
    answer = norm.update_running_var(running_var, X, momentum)
    prompt = (
        f"A BatchNorm layer in training mode sees the batch X ({batch} samples as rows, "
        f"{shape[1]} features as columns). Its running_var before the step is given; "
        f"momentum = {num(momentum)}. Conventions (PyTorch's): momentum is the weight of the "
        "new batch value, and the batch variance that goes into the running statistics is the "
        "UNBIASED one (divide by n − 1). Give the new running_var after this step, per "
        f"feature. Answer: {_vector_form(shape[1])} ({CHECK})."
    )
    steps = [
        f"Column means over the batch: μ = {vec(means)}",
        f"Unbiased column variances: Σ(x − μ)² / (n − 1) = Σ(x − μ)² / {batch - 1} = "
        f"{vec(unbiased, 6)} (the normalization itself used the biased {vec(biased, 6)})",
        f"running_var ← {num(1 - momentum)} · {vec(running_var)} + {num(momentum)} · "
        f"{vec(unbiased, 6)} = {vec(answer, 6)}",
    ]
    slips = [
        Slip(
            _array(norm.update_running_var(running_var, X, momentum, unbiased=False)),
            f"You used the biased batch variance (divide by {batch}). PyTorch updates "
            f"running_var with the unbiased one (divide by n − 1 = {batch - 1}).",
            BIASED_RUNNING,
        ),
        Slip(
            _array(norm.update_running_var(running_var, X, 1.0 - momentum)),
            "You swapped the weights: in PyTorch momentum weighs the NEW batch statistic, "
            "so the old running_var keeps (1 − momentum) of its weight.",
            MOMENTUM_SWAPPED,
        ),
        Slip(
            _array(unbiased),
            "That is the batch variance alone: the running variance is a moving average, "
            "mixing it with the old running_var.",
            NO_MOVING_AVERAGE,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"X": X, "running_var": running_var, "momentum": momentum},
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
    )


# ------------------------------------------------------------------ layer_norm_backward


@topic(
    "layer_norm_backward",
    "Gradient through LayerNorm",
    source=SOURCE_NOTES,
    formula="∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / √(σ² + eps)",
)
def layer_norm_backward_drill(rng: np.random.Generator, difficulty: int) -> Draft:
    n = _length(difficulty)
    eps = _eps(rng, difficulty)
    while True:
        x = _spread(rng, n, -1, difficulty)
        grad_y = _values(rng, n, -2.0, 2.0, difficulty)
        answer, _, _ = norm.layer_norm_backward(grad_y, x, eps=eps)
        if np.max(np.abs(answer)) > 0.05:
            break
    parts = norm.standardize(x, eps=eps)
    mean_g, mean_gx = norm.backward_terms(grad_y, parts.x_hat)
    prompt = (
        f"y = LayerNorm(x) with eps = {num(eps)} inside the square root, γ = 1 and β = 0 "
        f"({BIASED}). Given grad_y = ∂L/∂y, compute ∂L/∂x. Remember that the "
        f"mean and the variance depend on every x_i. Answer: {_vector_form(n)} ({CHECK})."
    )
    steps = [
        "Because μ and σ² depend on every x_i, the gradient has two correction terms: "
        "∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / √(σ² + eps), with g = ∂L/∂x̂ = grad_y here.",
        f"Forward pass again: μ = {num(parts.mean[0])}, σ² = {num(parts.var[0], 6)}, "
        f"√(σ² + eps) = {num(parts.std[0], 6)}, x̂ = {vec(parts.x_hat)}",
        f"mean(g) = {num(mean_g[0], 6)} (the part that flows through μ)",
        f"mean(g ⊙ x̂) = {num(mean_gx[0], 6)} (the part that flows through σ²)",
        f"∂L/∂x = (g − {_signed(mean_g[0])} − x̂ · {_signed(mean_gx[0])}) / "
        f"{num(parts.std[0], 6)} = {vec(answer)}. Check: the entries sum to 0, since shifting "
        "every x_i by the same amount leaves x̂ unchanged.",
    ]
    slips = [
        Slip(
            _array(norm.batch_norm_eval_backward(grad_y, parts.var, eps=eps)),
            "You treated the mean and variance as constants (grad_y / √(σ² + eps)). They "
            "depend on x: subtract mean(g) and x̂ · mean(g ⊙ x̂) before dividing.",
            STATISTICS_AS_CONSTANTS,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"x": x, "grad_y": grad_y, "eps": eps},
        answer=_plain(answer),
        steps=steps,
        slips=distinct_slips(_array(answer), slips),
    )
