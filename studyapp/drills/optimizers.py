"""Drills on optimizer steps and learning-rate schedules, in torch.optim's conventions.

One update of SGD with momentum, Nesterov, AdaGrad, RMSprop, Adam and AdamW from a given
state, and the learning rate a schedule gives at a step. Every value shown comes from
`engine.optimizers` or `engine.schedules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeAlias

import numpy as np

from engine import optimizers as opt
from engine import schedules as sch
from studyapp.drills._apart import sorted_out, told_apart
from studyapp.drills.base import (
    Checkpoint,
    Draft,
    Recompute,
    Slip,
    Tolerance,
    accepted,
    decimals,
    distinct_slips,
    draw,
    num,
    show,
)
from studyapp.drills.mistakes import mistake
from studyapp.drills.registry import topic

SEED_NOTES = "001_9b016ee9fe251ca9.txt"
SEED_TUTORIAL = "002_546d246df68e4ade.txt"
SEED_CHEATSHEET = "004_79820f2c78e41ff3.txt"

STEP_TOLERANCE = Tolerance()
LR_TOLERANCE = Tolerance(rel=0.01, abs=1e-9)
"""Learning rates can be 1e-4 and smaller: only a relative tolerance means anything there."""
MOMENT_TOLERANCE = Tolerance(rel=0.01, abs=1e-12)
"""Adam's moments: v is often 1e-5, which the answer's 0.001 absolute slack would swallow."""


# ---------------------------------------------------------------- the mistakes

UPHILL = mistake(
    "optim.uphill",
    "Stepped along the update instead of against it (theta + lr·update), which climbs the loss",
)
AVERAGED_VELOCITY = mistake(
    "momentum.averaged_velocity",
    "Averaged the velocity, momentum·v + (1 − momentum)·grad, where torch.optim.SGD adds the "
    "gradient at full weight",
)
VELOCITY_LEFT_OUT = mistake(
    "momentum.velocity_left_out",
    "Left the velocity out and stepped along the gradient alone, as plain SGD does",
)
CLASSIC_FOR_NESTEROV = mistake(
    "nesterov.classic_momentum",
    "Took a classic momentum step (theta − lr·b) where Nesterov steps along grad + momentum·b",
)
OLD_ACCUMULATOR = mistake(
    "adaptive.old_accumulator",
    "Divided by the average (or sum) of squared gradients from before this step's grad² joined it",
)
WEIGHTS_SWAPPED = mistake(
    "moving_average.weights_swapped",
    "Swapped a moving average's weights: (1 − β)·old + β·new instead of β·old + (1 − β)·new",
)
NOT_SQUARED = mistake(
    "adam.second_moment_not_squared",
    "Fed the gradient itself into the second moment v, where its square grad² belongs",
)
NO_BIAS_CORRECTION = mistake(
    "adam.no_bias_correction",
    "Left out Adam's bias correction: used m and v where m/(1 − beta1^t) and v/(1 − beta2^t) "
    "belong",
)
CORRECTION_OFF_BY_ONE = mistake(
    "adam.bias_correction_off_by_one",
    "Bias-corrected with t − 1, the steps already taken, instead of t, the number of this step",
)
NO_SQUARE_ROOT = mistake(
    "adaptive.no_square_root",
    "Divided by the average of squared gradients itself instead of by its square root",
)
COUPLED_DECAY = mistake(
    "adamw.coupled_decay",
    "Added weight_decay·theta to the gradient (Adam with L2), so the decay went through m and v; "
    "AdamW shrinks theta directly",
)
DECAY_LEFT_OUT = mistake("weight_decay.left_out", "Left the weight decay out of the step")
DECAY_WITHOUT_LR = mistake(
    "adamw.decay_without_lr",
    "Shrank theta by weight_decay·theta, without the factor lr that AdamW's decay carries",
)
NO_FLOOR = mistake(
    "step_lr.no_floor",
    "Used step/step_size without the floor: StepLR drops only at whole multiples of step_size",
)
ANNEALED_TO_ZERO = mistake(
    "cosine_lr.min_lr_left_out", "Annealed the cosine down to 0 instead of down to min_lr"
)
WARMUP_OFF_BY_ONE = mistake(
    "warmup.off_by_one",
    "Counted the warm-up from 1: (step + 1)/warmup_steps at step counted from 0",
)
COSINE_FROM_ZERO = mistake(
    "warmup.cosine_from_step_0",
    "Ran the cosine from step 0 instead of from the end of the warm-up",
)


# ---------------------------------------------------------------- shared helpers


def answer_form(value: Any) -> str:
    """How to type an answer of this shape."""
    shape = np.shape(value)
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a vector of {shape[0]} numbers separated by commas"
    return f"a {shape[0]}×{shape[1]} matrix, rows separated by ;"


def parameter_shape(rng: np.random.Generator, difficulty: int) -> tuple[int, ...]:
    """A scalar or a 2-vector by hand; 3 and 4 entries when harder."""
    if difficulty == 1:
        return () if rng.random() < 0.5 else (2,)
    return (difficulty + 1,)


def draw_params(
    rng: np.random.Generator, shape: tuple[int, ...], low: float, high: float, nd: int
) -> np.ndarray:
    """Entries drawn in ±[low, high] with random signs: magnitudes that are never tiny."""
    size = shape if shape else None
    magnitude = draw(rng, size, low, high, nd)
    return np.asarray(magnitude * rng.choice([-1.0, 1.0], size=size), dtype=np.float64)


def moves_everywhere(before: Any, after: Any, tolerance: Tolerance) -> bool:
    """True when every entry changed by more than the tolerance: 'unchanged' is a wrong answer."""
    old, new = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    return bool(np.all(np.abs(new - old) > tolerance.abs + tolerance.rel * np.abs(new)))


def slip(value: Any, feedback: str, mistake_id: str) -> Slip:
    """A possible slip: the engine's wrong value, the feedback for a learner who gives it and
    the mistake's registered id."""
    return Slip(np.asarray(value, dtype=np.float64), feedback, mistake_id)


def uphill(start: Any, new_theta: Any) -> Slip:
    """The step taken the wrong way: start + lr·update, where the answer is start − lr·update."""
    before = np.asarray(start, dtype=np.float64)
    return slip(
        before + (before - np.asarray(new_theta, dtype=np.float64)),
        "You stepped uphill: that is theta + lr·update. The update points up the loss, so an "
        "optimizer subtracts it: theta − lr·update.",
        UPHILL,
    )


def apart(value: Any, slips: Sequence[Slip], tolerance: Tolerance = STEP_TOLERANCE) -> list[Slip]:
    """The slips the checker can tell from the answer, or [] when two clash (`sorted_out`):
    a draw that gives [] is drawn again."""
    return sorted_out(value, slips, tolerance) or []


def present(kept: Sequence[Slip], candidate: Slip) -> bool:
    """True when this slip is among those kept: the checker tells it from the answer."""
    return any(slip is candidate for slip in kept)


def term(value: Any, digits: int = 4) -> str:
    """A value ready to sit inside a formula: a negative scalar in parentheses."""
    text = show(value, digits)
    return f"({text})" if np.ndim(value) == 0 and float(value) < 0 else text


def pick(rng: np.random.Generator, options: Sequence[float]) -> float:
    return float(options[int(rng.integers(len(options)))])


# ---------------------------------------------------------------- momentum family


def draw_momentum_case(
    rng: np.random.Generator, difficulty: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    shape = parameter_shape(rng, difficulty)
    nd = decimals(difficulty)
    lr = pick(rng, [0.1, 0.5] if difficulty == 1 else [0.05, 0.1, 0.2, 0.3])
    momentum = pick(rng, [0.5, 0.9] if difficulty == 1 else [0.8, 0.9, 0.95, 0.99])
    theta = draw_params(rng, shape, 0.1, 2.0, nd)
    grad = draw_params(rng, shape, 0.1, 1.0, nd)
    velocity = draw_params(rng, shape, 0.1, 1.0, nd)
    return theta, grad, velocity, lr, momentum


@topic(
    "sgd_momentum",
    "SGD with momentum step",
    source=SEED_NOTES,
    formula="b = momentum·velocity + grad, theta ← theta − lr·b",
)
def sgd_momentum(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        theta, grad, velocity, lr, momentum = draw_momentum_case(rng, difficulty)
        new_theta, _ = opt.sgd_momentum(theta, grad, opt.MomentumState(velocity), lr, momentum)
        if not moves_everywhere(theta, new_theta, STEP_TOLERANCE):
            continue
        buffer = opt.momentum_buffer(velocity, grad, momentum)
        averaged, _ = opt.sgd_momentum(
            theta, grad, opt.MomentumState(velocity), lr, momentum, dampening=momentum
        )
        slips = [
            slip(
                averaged,
                "You averaged: b = momentum·velocity + (1 − momentum)·grad is the convention of "
                "some texts (PyTorch's dampening = momentum). Here the gradient enters at full "
                "weight: b = momentum·velocity + grad.",
                AVERAGED_VELOCITY,
            ),
            slip(
                opt.sgd(theta, grad, lr),
                "That is plain SGD: the velocity was left out. Momentum steps along "
                "momentum·velocity + grad, not along the gradient alone.",
                VELOCITY_LEFT_OUT,
            ),
            uphill(theta, new_theta),
        ]
        b_slips = [
            slip(
                opt.momentum_buffer(velocity, grad, momentum, dampening=momentum),
                "You averaged: here the gradient enters the velocity at full weight, "
                "b = momentum·velocity + grad, not scaled by 1 − momentum.",
                AVERAGED_VELOCITY,
            ),
            slip(
                grad,
                "That is the gradient alone: the new velocity keeps momentum·velocity of the "
                "old one and adds grad.",
                VELOCITY_LEFT_OUT,
            ),
        ]
        kept, b_kept = apart(new_theta, slips), apart(buffer, b_slips)
        if kept and b_kept:
            break

    def step(earlier: Mapping[str, Any]) -> np.ndarray:
        return opt.sgd(theta, np.asarray(earlier["b"], dtype=np.float64), lr)

    checkpoints = [
        Checkpoint(
            "b",
            "b (the new velocity)",
            buffer,
            lambda _: opt.momentum_buffer(velocity, grad, momentum),
            b_kept,
        ),
        Checkpoint("answer", "theta − lr·b", new_theta, step),
    ]
    prompt = (
        "One step of SGD with momentum from the given velocity, the way torch.optim.SGD takes "
        "it. Convention: the new gradient enters the velocity at full weight (no dampening, "
        "not scaled by 1 − momentum) before theta moves. "
        f"lr = {num(lr)}, momentum = {num(momentum)}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    steps = [
        "New velocity, gradient added at full weight: b = momentum·velocity + grad = "
        f"{num(momentum)}·{term(velocity)} + {term(grad)} = {show(buffer)}",
        f"Step against the velocity: theta − lr·b = {show(theta)} − {num(lr)}·{term(buffer)} "
        f"= {show(new_theta)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"theta": theta, "grad": grad, "velocity": velocity, "lr": lr, "momentum": momentum},
        answer=new_theta,
        steps=steps,
        tolerance=STEP_TOLERANCE,
        slips=kept,
        checkpoints=checkpoints,
    )


@topic(
    "nesterov",
    "Nesterov momentum step",
    source=SEED_CHEATSHEET,
    formula="b = momentum·velocity + grad, theta ← theta − lr·(grad + momentum·b)",
)
def nesterov(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        theta, grad, velocity, lr, momentum = draw_momentum_case(rng, difficulty)
        new_theta, _ = opt.nesterov(theta, grad, opt.MomentumState(velocity), lr, momentum)
        if not moves_everywhere(theta, new_theta, STEP_TOLERANCE):
            continue
        classic, _ = opt.sgd_momentum(theta, grad, opt.MomentumState(velocity), lr, momentum)
        slips = [
            slip(
                classic,
                "That is classic momentum (theta − lr·b). Nesterov steps along grad + momentum·b: "
                "the gradient plus a look-ahead along the new velocity.",
                CLASSIC_FOR_NESTEROV,
            ),
            slip(
                opt.sgd(theta, grad, lr),
                "That is plain SGD: the velocity was left out.",
                VELOCITY_LEFT_OUT,
            ),
            uphill(theta, new_theta),
        ]
        kept = apart(new_theta, slips)
        if kept:
            break
    buffer = opt.momentum_buffer(velocity, grad, momentum)
    direction = opt.nesterov_direction(grad, buffer, momentum)
    prompt = (
        "One step of SGD with Nesterov momentum from the given velocity, as "
        "torch.optim.SGD(nesterov=True) takes it. Convention: the velocity takes in the new "
        "gradient at full weight first, and the step uses PyTorch's look-ahead direction. "
        f"lr = {num(lr)}, momentum = {num(momentum)}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    steps = [
        f"New velocity: b = momentum·velocity + grad = {num(momentum)}·{term(velocity)} + "
        f"{term(grad)} = {show(buffer)}",
        f"Look ahead: d = grad + momentum·b = {show(grad)} + {num(momentum)}·{term(buffer)} "
        f"= {show(direction)}",
        f"Step: theta − lr·d = {show(theta)} − {num(lr)}·{term(direction)} = {show(new_theta)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"theta": theta, "grad": grad, "velocity": velocity, "lr": lr, "momentum": momentum},
        answer=new_theta,
        steps=steps,
        tolerance=STEP_TOLERANCE,
        slips=kept,
    )


# ---------------------------------------------------------------- adaptive methods


@topic(
    "adagrad",
    "AdaGrad step",
    source=SEED_CHEATSHEET,
    formula="G ← G + grad², theta ← theta − lr·grad/(√G + eps), elementwise",
)
def adagrad(rng: np.random.Generator, difficulty: int) -> Draft:
    nd = decimals(difficulty)
    eps = 1e-10
    while True:
        shape = parameter_shape(rng, difficulty)
        lr = pick(rng, [0.1, 0.5] if difficulty == 1 else [0.1, 0.2, 0.3, 0.5])
        theta = draw_params(rng, shape, 0.1, 2.0, nd)
        grad = draw_params(rng, shape, 0.1, 1.0, nd)
        G = draw(rng, shape if shape else None, 0.0, 1.0 if difficulty == 1 else 3.0, nd)
        new_theta, state = opt.adagrad(theta, grad, opt.AdaGradState(G), lr, eps)
        if not moves_everywhere(theta, new_theta, STEP_TOLERANCE):
            continue
        slips = [uphill(theta, new_theta)]
        if np.all(G > 0):
            slips.append(
                slip(
                    opt.adaptive_update(theta, grad, G, lr, eps),
                    "You divided by the old G. AdaGrad adds grad² to G first, then divides by √G.",
                    OLD_ACCUMULATOR,
                )
            )
        kept = apart(new_theta, slips)
        if kept:
            break
    direction = opt.adaptive_direction(grad, state.sum_sq, eps)
    prompt = (
        "One step of AdaGrad from the given sum of squared gradients G, as torch.optim.Adagrad "
        "takes it. Conventions: this step's gradient joins G before the division; eps is added "
        f"outside the square root. lr = {num(lr)}, eps = {eps:g}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    steps = [
        f"Accumulate: G ← G + grad² = {show(G)} + {term(grad)}² = {show(state.sum_sq)}",
        f"Per-entry scaled gradient: grad/(√G + eps) = {show(direction)}",
        f"Step: theta − lr·that = {show(theta)} − {num(lr)}·{term(direction)} = {show(new_theta)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"theta": theta, "grad": grad, "G": G, "lr": lr, "eps": eps},
        answer=new_theta,
        steps=steps,
        tolerance=STEP_TOLERANCE,
        slips=kept,
    )


@topic(
    "rmsprop",
    "RMSprop step",
    source=SEED_TUTORIAL,
    formula="v ← alpha·v + (1 − alpha)·grad², theta ← theta − lr·grad/(√v + eps)",
)
def rmsprop(rng: np.random.Generator, difficulty: int) -> Draft:
    nd = decimals(difficulty)
    eps = 1e-8
    while True:
        shape = parameter_shape(rng, difficulty)
        lr = pick(rng, [0.05, 0.1] if difficulty == 1 else [0.01, 0.05, 0.1])
        alpha = pick(rng, [0.9, 0.99] if difficulty == 1 else [0.9, 0.95, 0.99])
        theta = draw_params(rng, shape, 0.1, 2.0, nd)
        grad = draw_params(rng, shape, 0.1, 1.0, nd)
        v = draw(rng, shape if shape else None, 0.1, 1.0, nd, nonzero=True)
        new_theta, state = opt.rmsprop(theta, grad, opt.RMSpropState(v), lr, alpha, eps)
        if not moves_everywhere(theta, new_theta, STEP_TOLERANCE):
            continue
        swapped, _ = opt.rmsprop(theta, grad, opt.RMSpropState(v), lr, 1.0 - alpha, eps)
        slips = [
            slip(
                swapped,
                "alpha weighs the old average and 1 − alpha the new grad²; you swapped them.",
                WEIGHTS_SWAPPED,
            ),
            slip(
                opt.adaptive_update(theta, grad, v, lr, eps),
                "You divided by the old v. RMSprop updates v with grad² first, then divides by √v.",
                OLD_ACCUMULATOR,
            ),
            uphill(theta, new_theta),
        ]
        kept = apart(new_theta, slips)
        if kept:
            break
    direction = opt.adaptive_direction(grad, state.square_avg, eps)
    prompt = (
        "One step of RMSprop from the given average of squared gradients v, as "
        "torch.optim.RMSprop takes it. Conventions: alpha is the weight of the old average; "
        "the step divides by the updated v; eps is added outside the square root. "
        f"lr = {num(lr)}, alpha = {num(alpha)}, eps = {eps:g}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    steps = [
        f"Average of squares: v ← alpha·v + (1 − alpha)·grad² = {num(alpha)}·{term(v)} + "
        f"(1 − {num(alpha)})·{term(grad)}² = {show(state.square_avg, 6)}",
        f"Scaled gradient: grad/(√v + eps) = {show(direction)}",
        f"Step: theta − lr·that = {show(theta)} − {num(lr)}·{term(direction)} = {show(new_theta)}",
    ]
    return Draft(
        prompt=prompt,
        inputs={"theta": theta, "grad": grad, "v": v, "lr": lr, "alpha": alpha, "eps": eps},
        answer=new_theta,
        steps=steps,
        tolerance=STEP_TOLERANCE,
        slips=kept,
    )


def draw_adam_case(rng: np.random.Generator, difficulty: int) -> dict[str, Any]:
    """theta, grad, the moments after step t − 1 (zeros when t = 1), t and the hyperparameters.

    The moments are the ones t − 1 real steps leave behind, with gradients that wander around
    the current one as in steady training; drawn independently, v̂ came out far larger than
    grad² and the step several times smaller than a real Adam step.
    """
    shape = parameter_shape(rng, difficulty)
    nd = decimals(difficulty)
    t = int(rng.integers(1, 4 if difficulty == 1 else (11 if difficulty == 2 else 201)))
    grad = draw_params(rng, shape, 0.1, 1.0, nd)
    beta1 = pick(rng, [0.9] if difficulty == 1 else [0.8, 0.9])
    beta2 = pick(rng, [0.999] if difficulty == 1 else [0.99, 0.999])
    m, v = earlier_moments(rng, grad, t - 1, beta1, beta2)
    return {
        "theta": draw_params(rng, shape, 0.5 if difficulty == 1 else 0.1, 2.0, nd),
        "grad": grad,
        "m": m,
        "v": v,
        "t": t,
        "lr": pick(rng, [0.1] if difficulty == 1 else [0.05, 0.1, 0.2]),
        "beta1": beta1,
        "beta2": beta2,
        "eps": 1e-8,
    }


def earlier_moments(
    rng: np.random.Generator, grad: np.ndarray, steps: int, beta1: float, beta2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Adam's m and v after `steps` updates from zero, with gradients grad·u, u in [0.6, 1.4].

    The recursions m ← β1·m + (1 − β1)·g and v ← β2·v + (1 − β2)·g², unrolled: the k-th of
    n earlier gradients carries the weight (1 − β)·β^(n − k). Rounded to 4 significant
    digits, as the learner reads them.
    """
    if steps == 0:
        return np.zeros(np.shape(grad)), np.zeros(np.shape(grad))
    earlier = grad * rng.uniform(0.6, 1.4, size=(steps, *np.shape(grad)))
    age = np.arange(steps - 1, -1, -1, dtype=np.float64)
    m = np.tensordot((1 - beta1) * beta1**age, earlier, axes=1)
    v = np.tensordot((1 - beta2) * beta2**age, np.square(earlier), axes=1)
    return significant(m), significant(v)


def significant(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """Each entry rounded to `digits` significant digits."""
    array = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(np.where(array == 0, 1, array)))))
    return np.asarray(np.round(array * scale) / scale, dtype=np.float64)


def adam_hyper(case: dict[str, Any]) -> dict[str, float]:
    return {k: case[k] for k in ("lr", "beta1", "beta2", "eps")}


def adam_state(case: dict[str, Any]) -> opt.AdamState:
    """The state before the step being taken: t − 1 steps already done."""
    return opt.AdamState(np.asarray(case["m"]), np.asarray(case["v"]), case["t"] - 1)


def adam_steps(case: dict[str, Any], theta: Any, new_theta: Any) -> list[str]:
    """The worked Adam step from `theta` (already decayed, for AdamW) to `new_theta`."""
    g, t = case["grad"], case["t"]
    b1, b2, lr, eps = case["beta1"], case["beta2"], case["lr"], case["eps"]
    m, v, m_hat, v_hat = moments(case)
    direction = opt.adaptive_direction(m_hat, v_hat, eps)
    m_text, v_text, grad_text = show(m, 6), show(v, 6), term(g)
    return [
        f"First moment: m ← beta1·m + (1 − beta1)·grad = {num(b1)}·{term(case['m'])} + "
        f"(1 − {num(b1)})·{grad_text} = {m_text}",
        f"Second moment: v ← beta2·v + (1 − beta2)·grad² = {num(b2)}·{term(case['v'], 6)} + "
        f"(1 − {num(b2)})·{grad_text}² = {v_text}",
        f"Bias correction at t = {t}: m̂ = m/(1 − beta1^t) = {m_text}/(1 − {num(b1)}^{t}) "
        f"= {show(m_hat, 6)}",
        f"v̂ = v/(1 − beta2^t) = {v_text}/(1 − {num(b2)}^{t}) = {show(v_hat, 6)}",
        f"Direction m̂/(√v̂ + eps) = {show(direction)}; theta − lr·direction = "
        f"{term(theta)} − {num(lr)}·{term(direction)} = {show(new_theta)}",
    ]


Moments: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""m, v, m̂, v̂ of the step being taken."""

ADAM_CONVENTION = (
    "m and v are the moments after the previous step (zeros before the first); t is the "
    "number of the step being taken (1 for the first). Bias correction is on, and eps is added "
    "after it, outside the square root."
)
ADAM_FORMULA = (
    "m ← beta1·m + (1 − beta1)·grad, v ← beta2·v + (1 − beta2)·grad², "
    "m̂ = m/(1 − beta1^t), v̂ = v/(1 − beta2^t), theta ← theta − lr·m̂/(√v̂ + eps)"
)


@topic(
    "adam_step",
    "Adam step",
    source=SEED_TUTORIAL,
    formula=ADAM_FORMULA,
)
def adam_step(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        case = draw_adam_case(rng, difficulty)
        new_theta, _ = opt.adam(case["theta"], case["grad"], adam_state(case), **adam_hyper(case))
        if not moves_everywhere(case["theta"], new_theta, STEP_TOLERANCE):
            continue
        moms = moments(case)
        slips = adam_answer_slips(case, case["theta"], new_theta, moms)
        # at t = 1 with beta1 = 0.9, beta2 = 0.99 the corrections cancel in m̂/√v̂, and late
        # in training they fade: such draws would hide the bias-correction slip
        kept = apart(new_theta, slips)
        if not present(kept, slips[0]):
            continue
        checkpoints = settled(adam_checkpoints(case, case["theta"], new_theta, moms))
        if checkpoints is not None:
            break
    prompt = (
        f"One Adam step, as torch.optim.Adam takes it. {ADAM_CONVENTION} "
        f"t = {case['t']}, lr = {num(case['lr'])}, beta1 = {num(case['beta1'])}, "
        f"beta2 = {num(case['beta2'])}, eps = {case['eps']:g}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    return Draft(
        prompt=prompt,
        inputs=case,
        answer=new_theta,
        steps=adam_steps(case, case["theta"], new_theta),
        tolerance=STEP_TOLERANCE,
        slips=kept,
        checkpoints=checkpoints,
    )


def adam_checkpoints(
    case: dict[str, Any],
    start: np.ndarray,
    new_theta: np.ndarray,
    moms: Moments,
    decay: bool = False,
) -> list[Checkpoint]:
    """m, v, m_hat, v_hat, answer: the moments, their bias correction and the step from
    `start` (theta, or AdamW's decayed theta, then read from the learner's `decayed`), each
    with its slips unfiltered, so that the generator can check they can be told apart."""
    g, m0, v0, t = case["grad"], case["m"], case["v"], case["t"]
    b1, b2, lr, eps = case["beta1"], case["beta2"], case["lr"], case["eps"]
    m, v, m_hat, v_hat = moms
    m_slips = [
        slip(
            opt.moving_average(m0, g, 1.0 - b1),
            "beta1 weighs the old m and 1 − beta1 the new gradient; you swapped them.",
            WEIGHTS_SWAPPED,
        )
    ]
    v_slips = [
        slip(
            opt.moving_average(v0, np.square(g), 1.0 - b2),
            "beta2 weighs the old v and 1 − beta2 the new grad²; you swapped them.",
            WEIGHTS_SWAPPED,
        ),
        slip(
            opt.moving_average(v0, g, b2),
            "v averages squared gradients: add (1 − beta2)·grad², not (1 − beta2)·grad.",
            NOT_SQUARED,
        ),
    ]
    if decay:
        coupled = opt.with_weight_decay(g, case["theta"], case["weight_decay"])
        m_slips.append(
            slip(
                opt.first_moment(m0, coupled, b1),
                "You fed grad + weight_decay·theta into m: that is Adam with L2. AdamW's decay "
                "shrinks theta directly; m takes the raw gradient.",
                COUPLED_DECAY,
            )
        )
        v_slips.append(
            slip(
                opt.second_moment(v0, coupled, b2),
                "You fed (grad + weight_decay·theta)² into v: that is Adam with L2. AdamW's "
                "decay never enters v; it takes the raw grad².",
                COUPLED_DECAY,
            )
        )
    m_hat_slips = [
        slip(
            m,
            f"That is m itself: bias correction divides it by 1 − beta1^t = 1 − {num(b1)}^{t}.",
            NO_BIAS_CORRECTION,
        )
    ]
    v_hat_slips = [
        slip(
            v,
            f"That is v itself: bias correction divides it by 1 − beta2^t = 1 − {num(b2)}^{t}.",
            NO_BIAS_CORRECTION,
        )
    ]
    if t >= 2:
        m_hat_slips.append(
            slip(
                opt.bias_corrected(m, b1, t - 1),
                f"You used beta1^{t - 1}: t counts the step being taken, so it is {t} here.",
                CORRECTION_OFF_BY_ONE,
            )
        )
        v_hat_slips.append(
            slip(
                opt.bias_corrected(v, b2, t - 1),
                f"You used beta2^{t - 1}: t counts the step being taken, so it is {t} here.",
                CORRECTION_OFF_BY_ONE,
            )
        )

    def step(earlier: Mapping[str, Any]) -> np.ndarray:
        second = np.asarray(earlier["v_hat"], dtype=np.float64)
        if np.any(second < 0):
            raise ValueError("v̂ is an average of squares: it cannot be negative")
        origin = np.asarray(earlier["decayed"], dtype=np.float64) if decay else start
        return opt.adaptive_update(
            origin, np.asarray(earlier["m_hat"], np.float64), second, lr, eps
        )

    return [
        Checkpoint(
            "m",
            "m = β1·m + (1 − β1)·g",
            m,
            lambda _: opt.first_moment(m0, g, b1),
            m_slips,
            MOMENT_TOLERANCE,
        ),
        Checkpoint(
            "v",
            "v = β2·v + (1 − β2)·g²",
            v,
            lambda _: opt.second_moment(v0, g, b2),
            v_slips,
            MOMENT_TOLERANCE,
        ),
        Checkpoint(
            "m_hat",
            "m̂ = m/(1 − β1ᵗ)",
            m_hat,
            lambda e: opt.bias_corrected(np.asarray(e["m"], dtype=np.float64), b1, t),
            m_hat_slips,
            MOMENT_TOLERANCE,
        ),
        Checkpoint(
            "v_hat",
            "v̂ = v/(1 − β2ᵗ)",
            v_hat,
            lambda e: opt.bias_corrected(np.asarray(e["v"], dtype=np.float64), b2, t),
            v_hat_slips,
            MOMENT_TOLERANCE,
        ),
        Checkpoint("answer", "decayed − lr·m̂/√v̂" if decay else "theta − lr·m̂/√v̂", new_theta, step),
    ]


def moments(case: dict[str, Any]) -> Moments:
    """The engine's m, v, m̂ and v̂ for the step being taken."""
    g, t, b1, b2 = case["grad"], case["t"], case["beta1"], case["beta2"]
    m, v = opt.first_moment(case["m"], g, b1), opt.second_moment(case["v"], g, b2)
    return m, v, opt.bias_corrected(m, b1, t), opt.bias_corrected(v, b2, t)


def adam_answer_slips(
    case: dict[str, Any], start: np.ndarray, new_theta: np.ndarray, moms: Moments
) -> list[Slip]:
    """The whole step's slips, from `start`: no bias correction first (it must be told apart
    in every problem), then uphill and the missing square root."""
    m, v, m_hat, v_hat = moms
    lr, eps = case["lr"], case["eps"]
    return [
        slip(
            opt.adaptive_update(start, m, v, lr, eps),
            "That is Adam without bias correction. m and v start at zero, so early on they are "
            "too small; divide them by 1 − beta1^t and 1 − beta2^t before the step.",
            NO_BIAS_CORRECTION,
        ),
        uphill(start, new_theta),
        slip(
            start - lr * m_hat / (v_hat + eps),
            "You divided by v̂ itself: Adam divides by its square root, m̂/(√v̂ + eps), so the "
            "step has the size of the gradient's sign, not of 1/grad.",
            NO_SQUARE_ROOT,
        ),
    ]


def decay_of(theta: np.ndarray, lr: float, weight_decay: float) -> Recompute:
    """AdamW's decayed theta, from the inputs alone."""
    return lambda _: opt.decoupled_decay(theta, lr, weight_decay)


def decay_slips(plain_adam: np.ndarray, coupled: np.ndarray) -> list[Slip]:
    """Plain Adam, then Adam with L2. The two often coincide: dividing by √v̂ all but cancels
    the weight_decay·theta added to the gradient. Then they cannot be told apart from the
    answer alone, and the one slip left says so (m and v tell them apart, step by step)."""
    if accepted(coupled, plain_adam, STEP_TOLERANCE) or accepted(
        plain_adam, coupled, STEP_TOLERANCE
    ):
        return [
            slip(
                plain_adam,
                "That is the Adam step without AdamW's decay: either the decay was left out, or "
                "it went into the gradient as L2, which the division by √v̂ all but cancels "
                "here. AdamW shrinks theta directly by lr·weight_decay·theta.",
                DECAY_LEFT_OUT,
            )
        ]
    return [
        slip(plain_adam, "That is plain Adam: the weight decay was left out.", DECAY_LEFT_OUT),
        slip(
            coupled,
            "That is Adam with L2: weight_decay·theta added to the gradient, so it passes "
            "through m and v and gets divided by √v̂. AdamW shrinks theta directly by "
            "lr·weight_decay·theta.",
            COUPLED_DECAY,
        ),
    ]


def settled(points: Sequence[Checkpoint]) -> list[Checkpoint] | None:
    """The checkpoints with only the slips a checker can tell from the value, or None when
    two slips of a step clash (see `sorted_out`)."""
    kept = []
    for point in points:
        slips = sorted_out(point.value, point.slips, point.tolerance or STEP_TOLERANCE)
        if slips is None:
            return None
        kept.append(replace(point, slips=slips))
    return kept


@topic(
    "adamw_step",
    "AdamW step",
    source=SEED_TUTORIAL,
    formula=f"theta ← theta − lr·weight_decay·theta, then the Adam step: {ADAM_FORMULA}",
)
def adamw_step(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        case = draw_adam_case(rng, difficulty)
        # lr·weight_decay of 0.01 or less shrinks theta by under the 1% tolerance: never drawn
        decays = [wd for wd in (0.1, 0.2, 0.5) if case["lr"] * wd > 0.015]
        case["weight_decay"] = pick(rng, decays)
        hyper = adam_hyper(case)
        theta, wd = case["theta"], case["weight_decay"]
        new_theta, _ = opt.adamw(theta, case["grad"], adam_state(case), weight_decay=wd, **hyper)
        if not moves_everywhere(theta, new_theta, STEP_TOLERANCE):
            continue
        plain_adam, _ = opt.adam(theta, case["grad"], adam_state(case), **hyper)
        if accepted(plain_adam, new_theta, STEP_TOLERANCE):
            continue  # the decay must show
        coupled, _ = opt.adam(theta, case["grad"], adam_state(case), weight_decay=wd, **hyper)
        decayed = opt.decoupled_decay(theta, case["lr"], wd)
        moms = moments(case)
        slips = [
            *adam_answer_slips(case, decayed, new_theta, moms),
            *decay_slips(plain_adam, coupled),
        ]
        always = (slips[0], slips[3])  # no bias correction, no decay: told apart every time
        kept = apart(new_theta, slips)
        if not all(present(kept, s) for s in always):
            continue
        points = [
            Checkpoint(
                "decayed",
                "decayed theta",
                decayed,
                decay_of(theta, case["lr"], wd),
                [
                    slip(
                        opt.decoupled_decay(theta, 1.0, wd),
                        "You shrank theta by weight_decay·theta: AdamW's decay is scaled by the "
                        "learning rate too, theta − lr·weight_decay·theta.",
                        DECAY_WITHOUT_LR,
                    )
                ],
            ),
            *adam_checkpoints(case, decayed, new_theta, moms, decay=True),
        ]
        checkpoints = settled(points)
        if checkpoints is not None:
            break
    prompt = (
        "One AdamW step, as torch.optim.AdamW takes it. Conventions: the weight decay is "
        "decoupled (it shrinks theta directly, before the Adam step, and never enters m or v). "
        f"{ADAM_CONVENTION} "
        f"t = {case['t']}, lr = {num(case['lr'])}, beta1 = {num(case['beta1'])}, "
        f"beta2 = {num(case['beta2'])}, eps = {case['eps']:g}, weight_decay = {num(wd)}. "
        f"Give the new theta: {answer_form(new_theta)} (tolerance 1%)."
    )
    steps = [
        f"Decoupled decay: theta − lr·weight_decay·theta = {show(theta)} − "
        f"{num(case['lr'])}·{num(wd)}·{term(theta)} = {show(decayed)}",
        *adam_steps(case, decayed, new_theta),
    ]
    return Draft(
        prompt=prompt,
        inputs=case,
        answer=new_theta,
        steps=steps,
        tolerance=STEP_TOLERANCE,
        slips=kept,
        checkpoints=checkpoints,
    )


# ---------------------------------------------------------------- learning-rate schedules

SCHEDULES = ("step", "cosine", "warmup")


def step_schedule(rng: np.random.Generator, difficulty: int) -> Draft:
    base = pick(rng, [0.1, 1.0] if difficulty == 1 else [0.1, 0.05, 0.01, 0.3])
    gamma = pick(rng, [0.1, 0.5] if difficulty == 1 else [0.1, 0.2, 0.5, 0.9])
    step_size = int(rng.choice([5, 10] if difficulty == 1 else [3, 7, 10, 30]))
    step = int(rng.integers(step_size, (4 if difficulty == 1 else 6) * step_size))
    lr = sch.step_decay(base, step, step_size, gamma)
    drops = sch.decays_so_far(step, step_size)
    prompt = (
        "Step decay as torch.optim.lr_scheduler.StepLR applies it, steps counted from 0. "
        f"base_lr = {num(base)}, step_size = {step_size}, gamma = {num(gamma)}. "
        f"What is the learning rate at step {step}? A single number (tolerance 1%)."
    )
    steps = [
        f"Drops so far: ⌊step/step_size⌋ = ⌊{step}/{step_size}⌋ = {drops}",
        f"lr = base_lr·gamma^{drops} = {num(base)}·{num(gamma)}^{drops} = {num(lr, 8)}",
    ]
    slips = [
        slip(
            sch.exponential_decay(base, step / step_size, gamma),
            "You used step/step_size without the floor. StepLR drops only at whole multiples "
            "of step_size: the exponent is ⌊step/step_size⌋.",
            NO_FLOOR,
        )
    ]
    inputs = {
        "schedule": "step",
        "base_lr": base,
        "step_size": step_size,
        "gamma": gamma,
        "step": step,
    }
    return Draft(
        prompt,
        inputs,
        lr,
        steps,
        LR_TOLERANCE,
        distinct_slips(lr, slips, LR_TOLERANCE),
        formula="lr = base_lr·gamma^⌊step/step_size⌋",
    )


def cosine_schedule(rng: np.random.Generator, difficulty: int) -> Draft:
    base = pick(rng, [0.1, 1.0] if difficulty == 1 else [0.1, 0.05, 0.01, 0.3])
    total = int(rng.choice([4, 6, 8, 12] if difficulty == 1 else [20, 50, 90, 100]))
    step = int(rng.integers(1, total))
    min_lr = 0.0 if difficulty == 1 else pick(rng, [0.0, round(base / 100, 8), round(base / 10, 8)])
    lr = sch.cosine_annealing(base, step, total, min_lr)
    factor = sch.cosine_factor(step, total)
    prompt = (
        "Cosine annealing (torch.optim.lr_scheduler.CosineAnnealingLR with T_max = total_steps) "
        "from base_lr at step 0 down to min_lr at total_steps, steps counted from 0. "
        f"base_lr = {num(base)}, min_lr = {num(min_lr, 6)}, total_steps = {total}. "
        f"What is the learning rate at step {step}? A single number (tolerance 1%)."
    )
    steps = [
        f"Cosine factor: (1 + cos(π·{step}/{total}))/2 = {num(factor)}",
        f"lr = min_lr + (base_lr − min_lr)·factor = {num(min_lr, 6)} + ({num(base)} − "
        f"{num(min_lr, 6)})·{num(factor)} = {num(lr, 8)}",
    ]
    slips = [
        slip(
            sch.cosine_annealing(base, step, total),
            "You annealed down to 0: the cosine runs between base_lr and min_lr, "
            "lr = min_lr + (base_lr − min_lr)·factor.",
            ANNEALED_TO_ZERO,
        )
    ]
    inputs = {
        "schedule": "cosine",
        "base_lr": base,
        "min_lr": min_lr,
        "total_steps": total,
        "step": step,
    }
    return Draft(
        prompt,
        inputs,
        lr,
        steps,
        LR_TOLERANCE,
        distinct_slips(lr, slips, LR_TOLERANCE),
        formula="lr = min_lr + (base_lr − min_lr)·(1 + cos(π·step/total_steps))/2",
    )


def warmup_schedule(rng: np.random.Generator, difficulty: int) -> Draft:
    base = pick(rng, [0.1, 1.0] if difficulty == 1 else [0.001, 0.0003, 0.01, 0.1])
    warmup = int(rng.choice([4, 5, 10] if difficulty == 1 else [10, 100, 500]))
    decay = warmup * int(rng.choice([1, 2, 3] if difficulty == 1 else [4, 9, 19]))
    total = warmup + decay
    min_lr = 0.0 if difficulty == 1 else pick(rng, [0.0, round(base / 10, 8)])
    warming = rng.random() < 0.4
    step = int(rng.integers(1, warmup) if warming else rng.integers(warmup + 1, total))
    lr = sch.warmup_cosine(base, step, warmup, total, min_lr)
    prompt = (
        "Linear warm-up, then cosine decay (the convention of Hugging Face's "
        "get_cosine_schedule_with_warmup, steps counted from 0): the warm-up climbs linearly "
        "from 0 over warmup_steps, then the cosine runs from base_lr at warmup_steps down to "
        "min_lr at total_steps. "
        f"base_lr = {num(base, 6)}, warmup_steps = {warmup}, total_steps = {total}, "
        f"min_lr = {num(min_lr, 6)}. "
        f"What is the learning rate at step {step}? A single number (tolerance 1%)."
    )
    if warming:
        factor = sch.warmup_factor(step, warmup)
        steps = [
            f"step {step} < warmup_steps = {warmup}: still warming up, factor step/warmup_steps "
            f"= {step}/{warmup} = {num(factor)}",
            f"lr = base_lr·factor = {num(base, 6)}·{num(factor)} = {num(lr, 8)}",
        ]
        slips = [
            slip(
                sch.warmup_constant(base, step + 1, warmup),
                "That is (step + 1)/warmup_steps. Steps count from 0 here and the warm-up factor "
                "is step/warmup_steps (0 at step 0).",
                WARMUP_OFF_BY_ONE,
            )
        ]
    else:
        factor = sch.cosine_factor(step - warmup, decay)
        steps = [
            f"step {step} ≥ warmup_steps = {warmup}: warm-up is over; the cosine covers "
            f"total_steps − warmup_steps = {decay} steps and we are {step - warmup} into it",
            f"Cosine factor: (1 + cos(π·{step - warmup}/{decay}))/2 = {num(factor)}",
            f"lr = min_lr + (base_lr − min_lr)·factor = {num(min_lr, 6)} + ({num(base, 6)} − "
            f"{num(min_lr, 6)})·{num(factor)} = {num(lr, 8)}",
        ]
        slips = [
            slip(
                sch.cosine_annealing(base, step, total, min_lr),
                "You ran the cosine from step 0. It starts when the warm-up ends: use "
                "(step − warmup_steps)/(total_steps − warmup_steps).",
                COSINE_FROM_ZERO,
            )
        ]
    inputs = {
        "schedule": "warmup",
        "base_lr": base,
        "warmup_steps": warmup,
        "total_steps": total,
        "min_lr": min_lr,
        "step": step,
    }
    return Draft(
        prompt,
        inputs,
        lr,
        steps,
        LR_TOLERANCE,
        distinct_slips(lr, slips, LR_TOLERANCE),
        formula="lr = base_lr·step/warmup_steps while step < warmup_steps, then "
        "min_lr + (base_lr − min_lr)·(1 + cos(π·(step − warmup_steps)/(total_steps − "
        "warmup_steps)))/2",
    )


@topic(
    "lr_schedule",
    "Learning rate from a schedule",
    source=SEED_TUTORIAL,
)
def lr_schedule(rng: np.random.Generator, difficulty: int) -> Draft:
    while True:
        kind = SCHEDULES[int(rng.integers(len(SCHEDULES)))]
        draw_schedule = {
            "step": step_schedule,
            "cosine": cosine_schedule,
            "warmup": warmup_schedule,
        }[kind]
        draft = draw_schedule(rng, difficulty)
        # a slip that reads as the answer cut short would be taken for too few digits
        if told_apart(draft.answer, draft.slips, LR_TOLERANCE):
            return draft
