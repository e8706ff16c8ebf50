"""Drills on regularization: inverted dropout, gradient clipping (by norm and by value)
and the L2 weight-decay gradient.

Every number comes from `engine.dropout` and `engine.regularization`. Conventions stated
in the prompts: dropout p is the probability of DROPPING (mask 1 = keep) with inverted
scaling; clipping by norm uses clip_grad_norm_'s max_norm / (‖g‖ + 1e-6); weight decay
is PyTorch's SGD weight_decay, i.e. the gradient of λ/2 · ‖w‖².
"""

from __future__ import annotations

import numpy as np

from engine import dropout
from engine import regularization as reg
from studyapp.drills.base import (
    Draft,
    Slip,
    Tolerance,
    accepted,
    decimals,
    distinct_slips,
    draw,
    num,
    vec,
)
from studyapp.drills.registry import topic

SOURCE_NOTES = "001_9b016ee9fe251ca9.txt"
SOURCE_TUTORIAL = "002_546d246df68e4ade.txt"

TOLERANCE = Tolerance()
CHECK = "4 decimals are plenty: the check allows 1% or 0.001"

Vector = np.ndarray


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
def dropout_drill(rng: np.random.Generator, difficulty: int) -> Draft:
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
        ),
        Slip(
            _vector(kept),
            "You zeroed the dropped units but did not rescale the survivors: inverted dropout "
            "divides them by (1 − p).",
        ),
        Slip(
            _vector(dropout.dropout_forward(h, p, mask=np.ones(n))[0]),
            "You scaled every unit but forgot to zero the dropped ones (mask = 0).",
        ),
        Slip(
            _vector(dropout.dropout_forward(h, p, mask=1.0 - mask)[0]),
            "You kept the wrong units: mask = 1 means KEEP, mask = 0 means drop.",
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"h": h, "p": p, "mask": mask},
        answer=_vector(answer),
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
    )


# ---------------------------------------------------------------------------- grad_clip


_MAX_NORMS = {1: (1.0, 2.0, 0.5), 2: (0.5, 1.0, 2.0, 5.0), 3: (0.25, 0.5, 1.0, 2.0, 5.0)}


@topic(
    "grad_clip",
    "Gradient clipping by norm",
    source=SOURCE_TUTORIAL,
    formula="grad · min(1, max_norm / (‖grad‖ + 1e-6))",
)
def grad_clip_drill(rng: np.random.Generator, difficulty: int) -> Draft:
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
    slips = [
        Slip(
            _vector(reg.clip_grad_value([grad], max_norm)[0]),
            "You clamped each entry to [−max_norm, max_norm]: that is clipping by value. "
            "Norm clipping rescales the whole vector, keeping its direction.",
        ),
        Slip(
            _vector(reg.clip_vector_norm(grad, 1.0)),
            "You divided by the norm (a unit vector) but did not multiply by max_norm.",
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"grad": grad, "max_norm": max_norm},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
    )


# ------------------------------------------------------------------------ clip_by_value


@topic(
    "clip_by_value",
    "Gradient clipping by value",
    source=SOURCE_TUTORIAL,
    formula="each entry clamped: min(max(g_i, −clip_value), clip_value)",
)
def clip_by_value_drill(rng: np.random.Generator, difficulty: int) -> Draft:
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
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"grad": grad, "clip_value": clip_value},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
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
def l2_penalty_drill(rng: np.random.Generator, difficulty: int) -> Draft:
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
        Slip(_vector(grad), "That is grad alone: weight decay adds λ · w to it."),
        Slip(
            _vector(reg.weight_decay_grad(grad, w, 2 * weight_decay)),
            "You added 2λ · w, the gradient of λ · ‖w‖². PyTorch's weight_decay λ corresponds "
            "to the penalty λ/2 · ‖w‖², whose gradient is λ · w.",
        ),
        Slip(
            _vector(reg.l1_regularized_grad(grad, w, weight_decay)),
            "You added λ · sign(w): that is the L1 penalty's (sub)gradient. L2 adds λ · w.",
        ),
    ]
    return Draft(
        prompt=prompt,
        inputs={"w": w, "grad": grad, "weight_decay": weight_decay},
        answer=answer,
        steps=steps,
        slips=distinct_slips(_vector(answer), slips),
    )
