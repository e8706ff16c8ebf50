"""Drills on architecture arithmetic: convolution sizes, pooling, parameter counts, attention.

Every value shown comes from `engine.conv` or `engine.attention` (which softmaxes with
`engine.softmax`). Rows are positions in attention; convolutions are cross-correlations with
PyTorch's output-size formula.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from engine import attention as att
from engine import conv, softmax
from studyapp.drills.base import (
    EXACT,
    Checkpoint,
    Draft,
    Slip,
    Tolerance,
    accepted,
    distinct_slips,
    draw,
    mat,
    num,
    vec,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.registry import topic

SEED_MNEMONICS = "000_d2aab639bad9f743.txt"
SEED_NOTES = "001_9b016ee9fe251ca9.txt"
SEED_TUTORIAL = "002_546d246df68e4ade.txt"
SEED_CHEATSHEET = "004_79820f2c78e41ff3.txt"

TOLERANCE = Tolerance()


# ---------------------------------------------------------------- shared helpers


def slip(value: Any, feedback: str, mistake_id: str, tolerance: Tolerance | None = None) -> Slip:
    """A possible slip: the engine's wrong value, the feedback for a learner who gives it and
    the registered mistake it is."""
    return Slip(np.asarray(value, dtype=np.float64), feedback, mistake_id, tolerance)


def scalar(value: Any) -> float:
    """A learner's earlier value that should be one number ([14.33] counts as 14.33)."""
    return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])


def matrix_form(value: Any) -> str:
    rows, cols = np.shape(value)
    return f"a {rows}×{cols} matrix, rows separated by ;"


def choose(rng: np.random.Generator, options: Sequence[int]) -> int:
    return int(options[int(rng.integers(len(options)))])


# ---------------------------------------------------------------- convolution sizes


def draw_conv_case(rng: np.random.Generator, difficulty: int) -> tuple[int, int, int, int]:
    """n, kernel, padding, stride; by hand the stride divides evenly, later the floor matters."""
    while True:
        if difficulty == 1:
            n, kernel = int(rng.integers(5, 33)), choose(rng, [3, 5])
            stride = choose(rng, [1, 2])
        elif difficulty == 2:
            n, kernel = int(rng.integers(7, 65)), choose(rng, [2, 3, 5, 7])
            stride = choose(rng, [2, 3])
        else:
            n, kernel = int(rng.integers(32, 513)), choose(rng, [3, 5, 7, 11])
            stride = choose(rng, [2, 3, 4])
        padding = int(rng.integers(0, kernel // 2 + 1))
        remainder = (n - kernel + 2 * padding) % stride
        if n + 2 * padding >= kernel and (remainder == 0) == (difficulty == 1):
            return n, kernel, padding, stride


FORGOT_PLUS_ONE = mistake(
    "conv.forgot_plus_one",
    "Counted the strides but not the window's first placement: the + 1 of the size formula",
)
FORGOT_FLOOR = mistake(
    "conv.forgot_floor",
    "Kept the fraction of (n − kernel + 2·padding)/stride instead of rounding it down",
)
ROUNDED_UP = mistake(
    "conv.rounded_up",
    "Rounded the stride quotient up, counting a partial window at the edge",
)
PADDING_ONCE = mistake(
    "conv.padding_once", "Added the padding once instead of on both sides (2·padding)"
)
KERNEL_NOT_SUBTRACTED = mistake(
    "conv.kernel_not_subtracted",
    "Divided n + 2·padding by the stride without first taking off the kernel",
)
UNFLOORED = Tolerance(rel=0.0, abs=0.1)
"""How an unfloored size is recognised: its fraction is a multiple of 1/stride (stride ≤ 4),
so it lies at least 0.25 from any whole number, and 14.33 or 14.3 for 14.333… both name it."""
QUOTIENT = Tolerance(rel=0.0, abs=0.01)
"""The stride quotient to two decimals: enough to tell where its floor lies, and no relative
slack, which at n = 512 would reach the next whole number."""


@topic(
    "conv_output_size",
    "Output size of a convolution",
    source=SEED_CHEATSHEET,
    formula="out = ⌊(n − kernel + 2·padding)/stride⌋ + 1",
)
def conv_output_size(rng: np.random.Generator, difficulty: int) -> Draft:
    n, kernel, padding, stride = draw_conv_case(rng, difficulty)
    size = conv.conv_output_size(n, kernel, padding, stride)
    quotient = conv.stride_quotient(n, kernel, padding, stride)
    strides = conv.whole_strides(n, kernel, padding, stride)
    prompt = (
        f"A convolution (or pooling) window of size kernel = {kernel} slides along an input of "
        f"length n = {n}, with padding = {padding} zeros on each side and stride = {stride}. "
        "How many output positions are there along this axis? Partial windows do not count "
        "(PyTorch's floor). A whole number."
    )
    steps = [
        f"(n − kernel + 2·padding)/stride = ({n} − {kernel} + 2·{padding})/{stride} = "
        f"{num(quotient)}",
        f"Only whole strides fit: ⌊{num(quotient)}⌋ = {strides}",
        f"Add the first placement of the window: {strides} + 1 = {size}",
    ]
    slips = [
        slip(
            strides,
            "You forgot the + 1: the window has one position before it takes any stride.",
            FORGOT_PLUS_ONE,
        ),
        slip(
            conv.output_size_unfloored(n, kernel, padding, stride),
            "An output size is a whole number: round the quotient down (a partial window at "
            "the edge is dropped), then add 1.",
            FORGOT_FLOOR,
            UNFLOORED,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"n": n, "kernel": kernel, "padding": padding, "stride": stride},
        answer=size,
        steps=steps,
        tolerance=EXACT,
        slips=distinct_slips(size, slips, EXACT),
        checkpoints=conv_checkpoints(n, kernel, padding, stride),
    )


def conv_checkpoints(n: int, kernel: int, padding: int, stride: int) -> list[Checkpoint]:
    """quotient, strides, answer: the fraction, its floor, the first placement added."""
    quotient = conv.stride_quotient(n, kernel, padding, stride)
    strides = conv.whole_strides(n, kernel, padding, stride)
    quotient_slips = [
        slip(
            (n - kernel + padding) / stride,
            "Padding goes on both sides: the span is n − kernel + 2·padding.",
            PADDING_ONCE,
        ),
        slip(
            (n + 2 * padding) / stride,
            "Take the kernel off first: the window's first placement already covers kernel "
            "entries, so only n − kernel + 2·padding is left to stride over.",
            KERNEL_NOT_SUBTRACTED,
        ),
    ]
    stride_slips = [
        slip(
            quotient,
            "Only whole strides fit: round the quotient down to a whole number.",
            FORGOT_FLOOR,
            UNFLOORED,
        ),
        slip(
            math.ceil(quotient),
            "Round down, not up: a stride that would run past the edge is not taken.",
            ROUNDED_UP,
        ),
    ]
    return [
        Checkpoint(
            "quotient",
            "(n − k + 2p)/stride",
            quotient,
            lambda e: conv.stride_quotient(n, kernel, padding, stride),
            distinct_slips(quotient, quotient_slips, QUOTIENT),
            QUOTIENT,
        ),
        Checkpoint(
            "strides",
            "⌊quotient⌋",
            strides,
            lambda e: math.floor(scalar(e["quotient"])),
            distinct_slips(strides, stride_slips, EXACT),
            EXACT,
        ),
        Checkpoint("answer", "strides + 1", strides + 1, lambda e: scalar(e["strides"]) + 1),
    ]


# ---------------------------------------------------------------- pooling


def integers(rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
    """Whole numbers in [low, high] as floats (never −0.0)."""
    return draw(rng, shape, low, high, 0) + 0.0


def draw_pool_case(rng: np.random.Generator, difficulty: int) -> tuple[np.ndarray, int, int]:
    """X and a window that gives a 2×2 or 3×3 result: integers by hand, decimals when harder."""
    if difficulty == 1:
        return integers(rng, (4, 4), 0, 9), 2, 2
    while True:
        side = choose(rng, [5, 6] if difficulty == 2 else [6, 7])
        kernel = choose(rng, [2, 3])
        stride = choose(rng, [1, 2] if difficulty == 2 else [2, 3])
        if 2 <= conv.conv_output_size(side, kernel, 0, stride) <= 3:
            break
    if difficulty == 2:
        return integers(rng, (side, side), -9, 9), kernel, stride
    return draw(rng, (side, side), -5, 5, 1) + 0.0, kernel, stride


POOLS = {"max": conv.max_pool2d, "average": conv.avg_pool2d}
WRONG_POOL = mistake(
    "pooling.wrong_mode", "Took the maximum of each window where the average was asked, or back"
)


def varied(pooled: np.ndarray) -> bool:
    """More distinct values than half the entries: not a result of one repeated maximum."""
    return len(np.unique(pooled)) > pooled.size // 2


@topic(
    "pooling_output",
    "Max or average pooling",
    source=SEED_CHEATSHEET,
)
def pooling_output(rng: np.random.Generator, difficulty: int) -> Draft:
    mode, other_mode = ("max", "average") if rng.random() < 0.5 else ("average", "max")
    while True:
        X, kernel, stride = draw_pool_case(rng, difficulty)
        pooled = POOLS[mode](X, kernel, stride)
        if varied(pooled):
            break
    other = POOLS[other_mode](X, kernel, stride)
    side = conv.conv_output_size(X.shape[0], kernel, 0, stride)
    windows = conv.pool_windows(X, kernel, stride)
    reduce_name = "max" if mode == "max" else "mean"
    prompt = (
        f"{mode.capitalize()} pooling of X with a {kernel}×{kernel} window and stride {stride} "
        "(no padding; a window that would run past the edge is dropped, as PyTorch's "
        f"{'MaxPool2d' if mode == 'max' else 'AvgPool2d'}). Each output entry is the {reduce_name} "
        f"of one window. Give the pooled result: {matrix_form(pooled)} (tolerance 1%)."
    )
    formula = (
        f"out[i, j] = {reduce_name} of the kernel×kernel window of X starting at row "
        "stride·i, column stride·j; out has ⌊(side − kernel)/stride⌋ + 1 rows and columns"
    )
    steps = [
        f"Output size per side: ⌊({X.shape[0]} − {kernel})/{stride}⌋ + 1 = {side}, "
        f"so the result is {side}×{side}; window (i, j) starts at row {stride}·i, column "
        f"{stride}·j",
    ]
    for i in range(side):
        for j in range(side):
            steps.append(
                f"Window ({i}, {j}) = {mat(windows[i, j])} → {reduce_name} {num(pooled[i, j])}"
            )
    steps.append(f"Pooled: {mat(pooled)}")
    slips = [
        slip(
            other,
            f"That is {other_mode} pooling; this problem asks for the "
            f"{reduce_name} of each window.",
            WRONG_POOL,
        )
    ]
    return Draft(
        formula=formula,
        prompt=prompt,
        inputs={"X": X, "kernel": kernel, "stride": stride, "mode": mode},
        answer=pooled,
        steps=steps,
        tolerance=TOLERANCE,
        slips=distinct_slips(pooled, slips, TOLERANCE),
    )


# ---------------------------------------------------------------- parameter counts


def draw_widths(rng: np.random.Generator, difficulty: int) -> list[int]:
    if difficulty == 1:
        return [int(w) for w in rng.integers(2, 7, size=3)]
    if difficulty == 2:
        return [
            choose(rng, [784, 100, 64, 20]),
            choose(rng, [128, 64, 32, 16]),
            choose(rng, [10, 5, 2, 1]),
        ]
    hidden = [choose(rng, [512, 256, 128, 64, 32]) for _ in range(int(rng.integers(2, 4)))]
    return [choose(rng, [784, 3072, 100, 50]), *hidden, choose(rng, [10, 100, 1])]


FORGOT_BIASES = mistake(
    "param_count.forgot_biases", "Counted the weights but not the one bias per output unit"
)


@topic(
    "mlp_param_count",
    "Parameters of an MLP",
    source=SEED_NOTES,
    formula="sum over layers of n_in·n_out weights + n_out biases",
)
def mlp_param_count(rng: np.random.Generator, difficulty: int) -> Draft:
    widths = draw_widths(rng, difficulty)
    total = conv.mlp_param_count(widths)
    prompt = (
        f"A fully connected network (MLP) has layer widths {vec(widths)}: the input size first, "
        "then each layer's number of units. Every layer is affine (a weight per input–unit pair) "
        "with a bias per unit. How many trainable parameters (weights and biases) does it have? "
        "A whole number."
    )
    steps = [
        f"Layer {k + 1} ({a} → {b}): {a}·{b} weights + {b} biases = {conv.linear_param_count(a, b)}"
        for k, (a, b) in enumerate(pairwise(widths))
    ]
    steps.append(f"Sum over the {len(widths) - 1} layers: {total}")
    slips = [
        slip(
            conv.mlp_param_count(widths, bias=False),
            "That counts only the weights: each layer also has one bias per output unit.",
            FORGOT_BIASES,
        )
    ]
    return Draft(
        prompt=prompt,
        inputs={"widths": widths},
        answer=total,
        steps=steps,
        tolerance=EXACT,
        slips=distinct_slips(total, slips, EXACT),
    )


FORGOT_IN_CHANNELS = mistake(
    "conv.forgot_in_channels",
    "Gave each filter one kernel×kernel slice instead of one per input channel",
)
BIAS_MISCOUNTED = mistake(
    "conv.bias_miscounted", "Counted biases with bias = False, or left them out with bias = True"
)


@topic(
    "conv_param_count",
    "Parameters of a convolution layer",
    source=SEED_TUTORIAL,
    formula="out_channels·in_channels·kernel·kernel weights + out_channels biases (if bias)",
)
def conv_param_count(rng: np.random.Generator, difficulty: int) -> Draft:
    if difficulty == 1:
        c_in, c_out = choose(rng, [1, 3]), choose(rng, [2, 4, 8])
        kernel, bias = choose(rng, [3, 5]), True
    elif difficulty == 2:
        c_in, c_out = choose(rng, [3, 16, 32]), choose(rng, [16, 32, 64])
        kernel, bias = choose(rng, [3, 5]), bool(rng.random() < 0.7)
    else:
        c_in, c_out = choose(rng, [64, 128, 256]), choose(rng, [128, 256, 512])
        kernel, bias = choose(rng, [1, 3, 5, 7]), bool(rng.random() < 0.5)
    total = conv.conv_param_count(c_in, c_out, kernel, bias)
    weights = conv.conv_param_count(c_in, c_out, kernel, bias=False)
    prompt = (
        f"A 2-D convolution layer (torch.nn.Conv2d) maps in_channels = {c_in} to "
        f"out_channels = {c_out} with a {kernel}×{kernel} kernel, "
        f"{'with' if bias else 'without'} a bias per output channel (bias = {bias}). "
        "How many trainable parameters does it have? A whole number."
    )
    steps = [
        "Each filter spans every input channel: out_channels·in_channels·kernel·kernel = "
        f"{c_out}·{c_in}·{kernel}·{kernel} = {weights} weights",
        f"Biases: {c_out if bias else 0} ({'one per output channel' if bias else 'bias = False'})",
        f"Total: {total}",
    ]
    slips = [
        slip(
            conv.conv_param_count(1, c_out, kernel, bias),
            "Each filter has a kernel×kernel slice for every input channel: multiply by "
            "in_channels too.",
            FORGOT_IN_CHANNELS,
        ),
        slip(
            conv.conv_param_count(c_in, c_out, kernel, not bias),
            "Check the bias: one per output channel when bias = True, none when bias = False.",
            BIAS_MISCOUNTED,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"in_channels": c_in, "out_channels": c_out, "kernel": kernel, "bias": bias},
        answer=total,
        steps=steps,
        tolerance=EXACT,
        slips=distinct_slips(total, slips, EXACT),
    )


# ---------------------------------------------------------------- attention


def draw_qk(
    rng: np.random.Generator, difficulty: int, n: int, d_k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Queries and keys: small integers by hand, two decimals later."""
    if difficulty == 1:
        return integers(rng, (n, d_k), -1, 1), integers(rng, (n, d_k), -1, 1)
    spread = 1.0 if difficulty == 2 else 1.5
    return draw(rng, (n, d_k), -spread, spread, 2) + 0.0, draw(
        rng, (n, d_k), -spread, spread, 2
    ) + 0.0


def lively(weights: np.ndarray, scores: np.ndarray, allowed: np.ndarray | None = None) -> bool:
    """No saturated weights and no row whose allowed scores all tie (a uniform row teaches
    nothing)."""
    mask = np.ones_like(weights, dtype=bool) if allowed is None else allowed
    for row_w, row_s, row_m in zip(weights, scores, mask, strict=True):
        if row_m.sum() < 2:
            continue
        if np.ptp(row_s[row_m]) < 1e-9 or np.max(row_w[row_m]) > 0.95:
            return False
    return True


UNSCALED = mistake(
    "attention.unscaled", "Left out the 1/√d_k: fed the raw Q·Kᵀ scores to the softmax"
)
SCALED_BY_D_K = mistake("attention.scaled_by_d_k", "Divided the scores by d_k instead of √d_k")
SCORES_TRANSPOSED = mistake(
    "attention.scores_transposed",
    "Scored keys against queries (K·Qᵀ), the transpose of the score matrix",
)
SOFTMAX_OVER_COLUMNS = mistake(
    "attention.softmax_over_columns",
    "Ran the softmax down each column of the scores instead of along each query's row",
)
OUTPUT_TRANSPOSED = mistake(
    "attention.output_transposed", "Gave (A·V)ᵀ: one column per query instead of one row"
)
NO_CAUSAL_MASK = mistake(
    "attention.no_causal_mask", "Let a position attend to later positions: no causal mask"
)


@topic(
    "attention",
    "Scaled dot-product attention",
    source=SEED_CHEATSHEET,
    formula="softmax(Q·Kᵀ/√d_k)·V, the softmax over each row",
)
def attention(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        n = 2 if difficulty == 1 else (3 if difficulty == 2 else choose(rng, [3, 4]))
        d_k = 4 if difficulty == 1 else choose(rng, [2, 4] if difficulty == 2 else [3, 5, 8])
        d_v = 2 if difficulty == 1 else choose(rng, [2, 3] if difficulty == 2 else [2, 3, 4])
        Q, K = draw_qk(rng, difficulty, n, d_k)
        V = draw(rng, (n, d_v), -1, 1, 1 if difficulty == 1 else 2) + 0.0
        result = att.scaled_dot_product_attention(Q, K, V)
        unscaled = att.scaled_dot_product_attention(Q, K, V, scale=1.0).output
        scores = att.attention_scores(Q, K)
        if lively(result.weights, scores) and not accepted(unscaled, result.output, TOLERANCE):
            break
    raw = att.attention_scores(Q, K, scale=1.0)
    prompt = (
        "Scaled dot-product attention with rows as positions: Q is n×d_k (one query per row), "
        "K is n×d_k, V is n×d_v. Compute the attention output, one row per query; the softmax "
        f"runs along each row of scores (natural exp). Here d_k = {d_k}. "
        f"Give the output: {matrix_form(result.output)} (tolerance 1%)."
    )
    steps = [
        "Output = softmax(Q·Kᵀ/√d_k)·V, the softmax over each row",
        f"Raw scores, query i against key j: Q·Kᵀ = {mat(raw)}",
        f"Scale by 1/√d_k = 1/√{d_k} = {num(att.attention_scale(d_k))}: S = {mat(scores)}",
        f"Softmax of each row of S (each row sums to 1): A = {mat(result.weights)}",
        f"Output A·V, row i = the weighted average of V's rows: {mat(result.output)}",
    ]
    slips = [
        slip(
            unscaled,
            "You skipped the scaling: divide Q·Kᵀ by √d_k before the softmax, or the scores grow "
            "with d_k and the softmax turns too sharp.",
            UNSCALED,
        )
    ]
    if n == d_v:
        slips.append(
            slip(
                result.output.T,
                "That is the transpose: with rows as positions the output is A·V, one row per "
                "query.",
                OUTPUT_TRANSPOSED,
            )
        )
    return Draft(
        prompt=prompt,
        inputs={"Q": Q, "K": K, "V": V},
        answer=result.output,
        steps=steps,
        tolerance=TOLERANCE,
        slips=distinct_slips(result.output, slips, TOLERANCE),
        checkpoints=attention_checkpoints(Q, K, V, scores, result),
    )


def attention_checkpoints(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, scores: np.ndarray, result: att.Attention
) -> list[Checkpoint]:
    """scores, weights, answer: S = Q·Kᵀ/√d_k, A = the softmax of each row, then A·V."""
    d_k = Q.shape[1]
    raw = att.attention_scores(Q, K, scale=1.0)

    def weights(e: Mapping[str, Any]) -> np.ndarray:
        return softmax.softmax(np.asarray(e["scores"], dtype=np.float64))

    def output(e: Mapping[str, Any]) -> np.ndarray:
        product: np.ndarray = np.asarray(e["weights"], dtype=np.float64) @ V
        return product

    score_slips = [
        slip(raw, f"Scale the scores: divide Q·Kᵀ by √d_k = √{d_k}.", UNSCALED),
        slip(
            raw / d_k,
            f"The scale is 1/√d_k: divide by √{d_k} = {num(math.sqrt(d_k))}, not by {d_k}.",
            SCALED_BY_D_K,
        ),
        slip(
            scores.T,
            "Row i holds query i against every key: S = Q·Kᵀ, not K·Qᵀ.",
            SCORES_TRANSPOSED,
        ),
    ]
    weight_slips = [
        slip(
            softmax.softmax(scores.T).T,
            "The softmax runs along each row: query i's weights over the keys sum to 1.",
            SOFTMAX_OVER_COLUMNS,
        )
    ]
    return [
        Checkpoint(
            "scores",
            "S = Q·Kᵀ/√d_k",
            scores,
            lambda e: att.attention_scores(Q, K),
            distinct_slips(scores, score_slips, TOLERANCE),
        ),
        Checkpoint(
            "weights",
            "A = softmax of S's rows",
            result.weights,
            weights,
            distinct_slips(result.weights, weight_slips, TOLERANCE),
        ),
        Checkpoint("answer", "A·V", result.output, output),
    ]


@topic(
    "causal_attention",
    "Causal attention weights",
    source=SEED_MNEMONICS,
    formula="A = softmax(Q·Kᵀ/√d_k with every score j > i set to −inf), row by row",
)
def causal_attention(rng: np.random.Generator, difficulty: int) -> Draft:
    n = 3 if difficulty == 1 else (choose(rng, [3, 4]) if difficulty == 2 else choose(rng, [4, 5]))
    mask = att.causal_mask(n)
    while True:
        d_k = 4 if difficulty == 1 else choose(rng, [2, 4] if difficulty == 2 else [3, 8])
        Q, K = draw_qk(rng, difficulty, n, d_k)
        weights = att.attention_weights(Q, K, causal=True)
        scores = att.attention_scores(Q, K)
        if lively(weights, scores, mask):
            break
    masked = att.apply_mask(scores, mask)
    prompt = (
        "Causal self-attention weights, rows as positions: Q and K are n×d_k. Position i may "
        "attend only to itself and the positions before it (j ≤ i); the weights come from "
        f"scaled dot-product scores with a softmax along each row. Here d_k = {d_k}. "
        f"Give the weight matrix: {matrix_form(weights)} (tolerance 1%)."
    )
    steps = [
        f"Scaled scores S = Q·Kᵀ/√{d_k} = {mat(scores)}",
        f"Mask the future (j > i) with −inf: {mat(masked)}",
        f"Softmax each row; exp(−inf) = 0, so row 0 is all on itself: A = {mat(weights)}",
    ]
    slips = [
        slip(
            att.attention_weights(Q, K),
            "Those are the unmasked weights: position i may not look at later positions j > i; "
            "set those scores to −inf before the softmax.",
            NO_CAUSAL_MASK,
        ),
        slip(
            att.attention_weights(Q, K, causal=True, scale=1.0),
            f"You skipped the scaling: divide Q·Kᵀ by √d_k = √{d_k} before the softmax.",
            UNSCALED,
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"Q": Q, "K": K},
        answer=weights,
        steps=steps,
        tolerance=TOLERANCE,
        slips=distinct_slips(weights, slips, TOLERANCE),
    )
