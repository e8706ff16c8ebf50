"""Drills on regularization: inverted dropout, gradient clipping (by norm and by value)
and the L2 weight-decay gradient.

Every number comes from `engine.dropout` and `engine.regularization`. Conventions stated
in the prompts: dropout p is the probability of DROPPING (mask 1 = keep) with inverted
scaling; clipping by norm uses clip_grad_norm_'s max_norm / (‖g‖ + 1e-6); weight decay
is PyTorch's SGD weight_decay, i.e. the gradient of λ/2 · ‖w‖².
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import dropout
from engine import regularization as reg
from studyapp.drills._apart import redrawn, sorted_out
from studyapp.drills.base import (
    Checkpoint,
    Draft,
    Slip,
    Tolerance,
    accepted,
    decimals,
    draw,
    num,
    vec,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.optimizers import DECAY_LEFT_OUT
from studyapp.drills.registry import topic

SOURCE_NOTES = "001_9b016ee9fe251ca9.txt"
SOURCE_TUTORIAL = "002_546d246df68e4ade.txt"

TOLERANCE = Tolerance()
CHECK = "4 decimals are plenty: the check allows 1% or 0.001"

Vector = np.ndarray


# ------------------------------------------------------------------------------ mistakes

MULTIPLIED_BY_KEEP = mistake(
    "dropout.multiplied_by_keep",
    "Multiplied the kept units by 1 − p (the old test-time scaling) instead of dividing by it",
)
NO_RESCALE = mistake(
    "dropout.no_rescale", "Zeroed the dropped units but left the survivors unscaled"
)
MASK_LEFT_OUT = mistake(
    "dropout.mask_left_out", "Scaled every unit by 1/(1 − p) without zeroing the dropped ones"
)
MASK_INVERTED = mistake(
    "dropout.mask_inverted", "Kept the units the mask drops: mask = 1 means keep"
)
BY_VALUE_FOR_NORM = mistake(
    "clipping.by_value_for_norm",
    "Clamped each entry (clipping by value) where clipping by norm rescales the whole vector",
)
BY_NORM_FOR_VALUE = mistake(
    "clipping.by_norm_for_value",
    "Rescaled the whole vector (clipping by norm) where clipping by value clamps each entry",
)
MAX_NORM_LEFT_OUT = mistake(
    "grad_clip.max_norm_left_out",
    "Divided the gradient by its norm (a unit vector) without multiplying by max_norm",
)
SCALED_UP = mistake(
    "grad_clip.scaled_up",
    "Scaled a gradient already within max_norm up to it: the factor is min(1, max_norm/‖g‖)",
)
RATIO_INVERTED = mistake(
    "grad_clip.ratio_inverted", "Took the clipping factor upside down: ‖g‖/max_norm"
)
NORM_NO_ROOT = mistake(
    "vector_norm.no_square_root", "Gave Σ g², the squared norm, for the L2 norm √(Σ g²)"
)
NORM_L1 = mistake(
    "vector_norm.l1_for_l2", "Summed the absolute values (the L1 norm) for the L2 norm √(Σ g²)"
)
DOUBLED_DECAY = mistake(
    "weight_decay.doubled",
    "Added 2λ·w, the gradient of λ·‖w‖², where PyTorch's weight_decay λ means λ/2·‖w‖²",
)
L1_SIGN = mistake(
    "weight_decay.l1_sign", "Added λ·sign(w), the L1 penalty's gradient, where L2 adds λ·w"
)


# ------------------------------------------------------------------------------ helpers


def _vector(values: Vector) -> list[float]:
    """Plain floats, with −0.0 (a dropped negative unit) shown as 0."""
    return [float(v) + 0.0 for v in values]


def _length(difficulty: int) -> int:
    """3 entries by hand, 4 and 5 when harder."""
    return {1: 3, 2: 4}.get(difficulty, 5)


def _entries(rng: np.random.Generator, n: int, bound: float, difficulty: int) -> Vector:
    """n nonzero numbers in [−bound, bound] with the difficulty's decimals (no −0.0)."""
    return draw(rng, n, -bound, bound, decimals(difficulty), nonzero=True) + 0.0


def _answer_form(n: int) -> str:
    return f"a vector of {n} numbers separated by commas"


def _apart(answer: Any, slips: list[Slip]) -> list[Slip] | None:
    """The slips a learner can be told (see `sorted_out`), None when two clash."""
    return sorted_out(answer, slips, TOLERANCE)


# ------------------------------------------------------------------------------ dropout


_DROP_RATES = {1: (0.2, 0.25, 0.5), 2: (0.1, 0.2, 0.3, 0.4, 0.5), 3: (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)}


def _mask(rng: np.random.Generator, n: int, p: float) -> Vector:
    """A sampled keep-mask with at least one kept and one dropped unit."""
    while True:
        mask = dropout.sample_mask(rng, (n,), p)
        if 0 < mask.sum() < n:
            return mask


@topic(
    "dropout",
    "Inverted dropout",
    source=SOURCE_NOTES,
    formula="h̃ = mask ⊙ h / (1 − p)",
)
@redrawn
def dropout_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    n = _length(difficulty) + (1 if difficulty == 3 else 0)
    p = float(rng.choice(_DROP_RATES[difficulty]))
    h = _entries(rng, n, 3.0, difficulty)
    mask = _mask(rng, n, p)
    answer, _ = dropout.dropout_forward(h, p, mask=mask)
    scale = dropout.keep_scale(p)
    kept = dropout.classic_dropout_train(h, mask)
    prompt = (
        f"Training-time dropout with p = {num(p)}, the probability of DROPPING a unit, as in "
        "PyTorch. Conventions: inverted dropout, so the kept units are rescaled during training "
        "by the keep probability 1 − p and nothing changes at test time; mask marks kept units "
        "with 1 and dropped ones with 0. "
        f"Compute the layer's output for the activations h. Answer: {_answer_form(n)} ({CHECK})."
    )
    steps = [
        f"Inverted dropout: h̃ = mask ⊙ h / (1 − p). With p = {num(p)} a unit survives with "
        f"probability {num(1 - p)}, so survivors are scaled by 1 / (1 − p) = {num(scale)}.",
        f"Zero the dropped units: mask ⊙ h = {vec(kept)}",
        f"Scale the survivors: {vec(kept)} · {num(scale)} = {vec(answer)}",
        f"Why: each unit's expected output is (1 − p) · h · {num(scale)} = h, the same as at "
        "test time when dropout is off.",
    ]
    slips = [
        Slip(
            _vector(dropout.classic_dropout_inference(kept, p)),
            "You multiplied by (1 − p) instead of dividing: that is the old convention, where "
            "the (1 − p) scaling happens at inference time. Inverted dropout divides kept "
            "units by (1 − p) during training.",
            MULTIPLIED_BY_KEEP,
        ),
        Slip(
            _vector(kept),
            "You zeroed the dropped units but did not rescale the survivors: inverted dropout "
            "divides them by (1 − p).",
            NO_RESCALE,
        ),
        Slip(
            _vector(dropout.dropout_forward(h, p, mask=np.ones(n))[0]),
            "You scaled every unit but forgot to zero the dropped ones (mask = 0).",
            MASK_LEFT_OUT,
        ),
        Slip(
            _vector(dropout.dropout_forward(h, p, mask=1.0 - mask)[0]),
            "You kept the wrong units: mask = 1 means KEEP, mask = 0 means drop.",
            MASK_INVERTED,
        ),
    ]
    told = _apart(_vector(answer), slips)
    if told is None:
        return None
    return Draft(
        prompt=prompt,
        inputs={"h": h, "p": p, "mask": mask},
        answer=_vector(answer),
        steps=steps,
        slips=told,
    )


# ---------------------------------------------------------------------------- grad_clip


_MAX_NORMS = {1: (1.0, 2.0, 0.5), 2: (0.5, 1.0, 2.0, 5.0), 3: (0.25, 0.5, 1.0, 2.0, 5.0)}


@topic(
    "grad_clip",
    "Gradient clipping by norm",
    source=SOURCE_TUTORIAL,
    formula="grad · min(1, max_norm / (‖grad‖ + 1e-6))",
)
@redrawn
def grad_clip_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    n = {1: 2, 2: 3}.get(difficulty, 4)
    max_norm = float(rng.choice(_MAX_NORMS[difficulty]))
    under_limit = rng.random() < 0.15
    # entries scaled to max_norm: under the limit every entry is at most 0.8·max_norm/√n,
    # over it they reach 3·max_norm, so a redraw is rarely needed
    bound = 0.8 * max_norm / np.sqrt(n) if under_limit else 3.0 * max_norm
    while True:
        grad = _entries(rng, n, bound, difficulty)
        norm = reg.global_norm([grad])
        # well clear of the limit on the intended side, so the case is never borderline
        if (norm < 0.8 * max_norm) if under_limit else (norm > 1.25 * max_norm):
            break
    answer = reg.clip_vector_norm(grad, max_norm)
    coef = reg.clip_ratio(norm, max_norm)
    applied = reg.clip_coefficient(norm, max_norm)
    prompt = (
        f"Clip the gradient grad by its L2 norm with max_norm = {num(max_norm)}, as PyTorch's "
        "clip_grad_norm_ does (it adds 1e-6 to the norm before dividing). "
        f"Answer: {_answer_form(n)} ({CHECK})."
    )
    steps = [
        f"Clipped = grad · min(1, max_norm / (‖grad‖ + 1e-6)); the norm: ‖grad‖ = √(Σ g_i²) = "
        f"{num(norm, 6)}"
    ]
    if applied < 1.0:
        steps += [
            f"Coefficient: max_norm / (‖grad‖ + 1e-6) = {num(max_norm)} / {num(norm, 6)} = "
            f"{num(coef, 6)}, below 1, so the gradient is scaled down.",
            f"grad · {num(applied, 6)} = {vec(answer)}; its norm is now {num(max_norm)} "
            "(a hair under, because of the 1e-6). The direction is unchanged.",
        ]
    else:
        steps += [
            f"Coefficient: max_norm / (‖grad‖ + 1e-6) = {num(coef, 6)}, which is 1 or more: "
            "the gradient is already within the limit.",
            f"min(1, coefficient) = 1, so clipping leaves it as it is: {vec(answer)}. "
            "Clipping never scales a gradient up.",
        ]
    scaled_up = Slip(
        _vector(grad * coef),
        "Clipping never scales a gradient up: the factor is min(1, max_norm / (‖grad‖ + 1e-6)), "
        "and this gradient is already within max_norm, so it stays as it is.",
        SCALED_UP,
    )
    slips = [
        Slip(
            _vector(reg.clip_grad_value([grad], max_norm)[0]),
            "You clamped each entry to [−max_norm, max_norm]: that is clipping by value. "
            "Norm clipping rescales the whole vector, keeping its direction.",
            BY_VALUE_FOR_NORM,
        ),
        Slip(
            _vector(grad * reg.clip_ratio(norm, 1.0)),
            "You divided by the norm (a unit vector) but did not multiply by max_norm.",
            MAX_NORM_LEFT_OUT,
        ),
        scaled_up,
    ]
    kept = _apart(_vector(answer), slips)
    points = _clip_checkpoints(grad, max_norm, norm, applied, answer)
    if kept is None or points is None:
        return None
    return Draft(
        prompt=prompt,
        inputs={"grad": grad, "max_norm": max_norm},
        answer=answer,
        steps=steps,
        slips=kept,
        checkpoints=points,
    )


def _clip_checkpoints(
    grad: Vector, max_norm: float, norm: float, scale: float, answer: Vector
) -> list[Checkpoint] | None:
    """norm, scale, answer: ‖grad‖, the factor min(1, max_norm/(‖grad‖ + 1e-6)) and the
    clipped gradient, each recomputed from the learner's earlier values; None when two slips
    of a step clash."""

    def scale_of(earlier: Mapping[str, Any]) -> float:
        return reg.clip_coefficient(float(earlier["norm"]), max_norm)

    def clipped(earlier: Mapping[str, Any]) -> Vector:
        return np.asarray(grad * float(earlier["scale"]), dtype=np.float64)

    norm_slips = _apart(
        norm,
        [
            Slip(
                float(np.sum(np.square(grad))),
                "That is Σ g², the squared norm: the L2 norm is its square root.",
                NORM_NO_ROOT,
            ),
            Slip(
                float(np.sum(np.abs(grad))),
                "That is Σ |g|, the L1 norm: clipping uses the L2 norm √(Σ g²).",
                NORM_L1,
            ),
        ],
    )
    scale_slips = _apart(
        scale,
        [
            Slip(
                norm / max_norm,
                "That is ‖grad‖ / max_norm, upside down: the factor is max_norm / ‖grad‖, "
                "capped at 1.",
                RATIO_INVERTED,
            ),
            Slip(
                reg.clip_ratio(norm, max_norm),
                "The factor is capped at 1: min(1, max_norm / ‖grad‖). A gradient within "
                "max_norm is never scaled up.",
                SCALED_UP,
            ),
        ],
    )
    if norm_slips is None or scale_slips is None:
        return None
    return [
        Checkpoint("norm", "‖grad‖ = √(Σ g²)", norm, lambda _: reg.global_norm([grad]), norm_slips),
        Checkpoint("scale", "min(1, max_norm/‖grad‖)", scale, scale_of, scale_slips),
        Checkpoint("answer", "grad · scale", answer, clipped),
    ]


# ------------------------------------------------------------------------ clip_by_value


@topic(
    "clip_by_value",
    "Gradient clipping by value",
    source=SOURCE_TUTORIAL,
    formula="each entry clamped: min(max(g_i, −clip_value), clip_value)",
)
@redrawn
def clip_by_value_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    n = _length(difficulty) + 1
    clip_value = float(
        rng.choice([0.5, 1.0, 2.0] if difficulty == 1 else [0.25, 0.5, 1.0, 1.5, 2.0])
    )
    while True:
        grad = _entries(rng, n, 3.0 * clip_value, difficulty)
        outside = np.abs(grad) > clip_value
        # at least one entry gets clipped, at least one passes, none sits on the edge
        if outside.any() and not outside.all() and not np.any(np.abs(grad) == clip_value):
            break
    answer = reg.clip_grad_value([grad], clip_value)[0]
    prompt = (
        f"Clip the gradient grad by value with clip_value = {num(clip_value)}, as PyTorch's "
        "clip_grad_value_ does. "
        f"Answer: {_answer_form(n)} ({CHECK})."
    )
    steps = [
        f"Entries already inside [−{num(clip_value)}, {num(clip_value)}] stay as they are; "
        "the others are cut to the nearest edge, keeping their sign.",
        f"Clamped: {vec(answer)}",
        f"Unlike norm clipping this can change the direction: the norm went from "
        f"{num(reg.global_norm([grad]))} to {num(reg.global_norm([answer]))}.",
    ]
    slips = [
        Slip(
            _vector(reg.clip_vector_norm(grad, clip_value)),
            "You rescaled the whole vector to norm clip_value: that is clipping by norm. "
            "Clipping by value clamps each entry separately.",
            BY_NORM_FOR_VALUE,
        ),
    ]
    kept = _apart(_vector(answer), slips)
    if kept is None:
        return None
    return Draft(
        prompt=prompt,
        inputs={"grad": grad, "clip_value": clip_value},
        answer=answer,
        steps=steps,
        slips=kept,
        giveaways=("max", "min"),  # clamping is max(min(g, c), −c): the computation asked
    )


# --------------------------------------------------------------------------- l2_penalty


_DECAYS = {1: (0.1, 0.2, 0.5), 2: (0.05, 0.1, 0.2, 0.3), 3: (0.01, 0.05, 0.1, 0.25)}


@topic(
    "l2_penalty",
    "Gradient with L2 weight decay",
    source=SOURCE_TUTORIAL,
    formula="grad + weight_decay · w",
)
@redrawn
def l2_penalty_drill(rng: np.random.Generator, difficulty: int) -> Draft | None:
    n = _length(difficulty)
    weight_decay = float(rng.choice(_DECAYS[difficulty]))
    while True:
        w = _entries(rng, n, 3.0, difficulty)
        grad = _entries(rng, n, 1.0, difficulty)
        answer = reg.weight_decay_grad(grad, w, weight_decay)
        # the decay must show: the answer differs from grad alone beyond the tolerance
        if not accepted(_vector(grad), _vector(answer), TOLERANCE):
            break
    decay_term = reg.l2_penalty_grad(w, weight_decay)
    prompt = (
        f"The loss gradient for weights w is grad. The optimizer uses weight_decay = "
        f"{num(weight_decay)} the way torch.optim.SGD does, which is the same as adding the "
        f"penalty weight_decay/2 · ‖w‖² to the loss. Compute the gradient the optimizer steps "
        f"with. Answer: {_answer_form(n)} ({CHECK})."
    )
    steps = [
        "The penalty λ/2 · ‖w‖² has gradient λ · w, so the total gradient is grad + λ · w: "
        "grad + weight_decay · w.",
        f"λ · w = {num(weight_decay)} · {vec(w)} = {vec(decay_term)}",
        f"grad + λ · w = {vec(grad)} + {vec(decay_term)} = {vec(answer)}",
        "In plain SGD this is weight decay: w − lr · (grad + λw) = (1 − lr · λ) · w − lr · grad, "
        "so each step first shrinks w by the factor (1 − lr · λ).",
    ]
    slips = [
        Slip(_vector(grad), "That is grad alone: weight decay adds λ · w to it.", DECAY_LEFT_OUT),
        Slip(
            _vector(reg.weight_decay_grad(grad, w, 2 * weight_decay)),
            "You added 2λ · w, the gradient of λ · ‖w‖². PyTorch's weight_decay λ corresponds "
            "to the penalty λ/2 · ‖w‖², whose gradient is λ · w.",
            DOUBLED_DECAY,
        ),
        Slip(
            _vector(reg.l1_regularized_grad(grad, w, weight_decay)),
            "You added λ · sign(w): that is the L1 penalty's (sub)gradient. L2 adds λ · w.",
            L1_SIGN,
        ),
    ]
    kept = _apart(_vector(answer), slips)
    if kept is None:
        return None
    return Draft(
        prompt=prompt,
        inputs={"w": w, "grad": grad, "weight_decay": weight_decay},
        answer=answer,
        steps=steps,
        slips=kept,
    )
