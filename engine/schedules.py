"""Learning-rate schedules as pure functions of the step (or epoch) number, counted from 0.

Each returns the learning rate to use at that step; none keeps state. They follow the
closed forms of torch.optim.lr_scheduler where PyTorch has one:

    StepLR               lr = base·γ^⌊t / step_size⌋
    ExponentialLR        lr = base·γ^t
    CosineAnnealingLR    lr = η_min + (base − η_min)·(1 + cos(π·t/T))/2

Warm-up has no single PyTorch class, so we state ours (the one of Hugging Face's
``get_cosine_schedule_with_warmup`` and ``get_constant_schedule_with_warmup``): for t < W the
rate climbs linearly, lr = base·t/W (0 at t = 0, base at t = W); afterwards it stays at base,
or follows the cosine from base at t = W down to η_min at t = T, staying at η_min after T.
"""

from __future__ import annotations

import math


def decays_so_far(step: int, step_size: int) -> int:
    """How many times StepLR has multiplied by γ by step t: ⌊t / step_size⌋."""
    if step_size < 1:
        raise ValueError("step_size must be at least 1")
    return step // step_size


def step_decay(base_lr: float, step: int, step_size: int, gamma: float = 0.1) -> float:
    """StepLR: base·γ^⌊t / step_size⌋ — a staircase that drops by γ every step_size steps."""
    return base_lr * gamma ** decays_so_far(step, step_size)


def exponential_decay(base_lr: float, step: float, gamma: float) -> float:
    """ExponentialLR: base·γ^t (a fractional t is allowed: the smooth version of StepLR)."""
    return float(base_lr * gamma**step)


def cosine_factor(step: float, total_steps: float) -> float:
    """(1 + cos(π·t/T))/2: 1 at t = 0, ½ halfway, 0 at t = T."""
    if total_steps <= 0:
        raise ValueError("total_steps must be positive")
    return (1.0 + math.cos(math.pi * step / total_steps)) / 2.0


def cosine_annealing(base_lr: float, step: float, total_steps: float, min_lr: float = 0.0) -> float:
    """CosineAnnealingLR (T_max = total_steps, η_min = min_lr):
    η_min + (base − η_min)·cosine_factor.

    Meant for 0 ≤ t ≤ T; like PyTorch's closed form, the cosine rises again past T.
    """
    return min_lr + (base_lr - min_lr) * cosine_factor(step, total_steps)


def warmup_factor(step: float, warmup_steps: float) -> float:
    """Linear warm-up multiplier min(1, t/W): 0 at t = 0, 1 from t = W on (1 when W = 0)."""
    if warmup_steps <= 0:
        return 1.0
    return min(1.0, step / warmup_steps)


def warmup_constant(base_lr: float, step: float, warmup_steps: float) -> float:
    """Linear warm-up to base over W steps, then constant: base·min(1, t/W)."""
    return base_lr * warmup_factor(step, warmup_steps)


def warmup_cosine(
    base_lr: float, step: float, warmup_steps: float, total_steps: float, min_lr: float = 0.0
) -> float:
    """Linear warm-up over W steps, then cosine annealing from base (t = W) to min_lr (t = T).

    For t < W: base·t/W. For W ≤ t ≤ T: cosine_annealing over t − W of T − W steps.
    After T: min_lr.
    """
    if step < warmup_steps:
        return warmup_constant(base_lr, step, warmup_steps)
    if total_steps <= warmup_steps:
        raise ValueError("total_steps must exceed warmup_steps")
    done = min(step, total_steps) - warmup_steps
    return cosine_annealing(base_lr, done, total_steps - warmup_steps, min_lr)


def inverse_sqrt(d_model: int, step: int, warmup_steps: int) -> float:
    """The Transformer schedule (Vaswani et al. 2017): d_model^−½·min(t^−½, t·W^−³ᐟ²), t ≥ 1.

    Rises linearly for W steps, peaks at t = W, then decays like 1/√t.
    """
    if step < 1:
        raise ValueError("the Transformer schedule counts steps from 1")
    return float(d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5))


def inverse_time(base_lr: float, step: float, decay: float) -> float:
    """The 1/t decay: base / (1 + decay·t)."""
    return base_lr / (1.0 + decay * step)
