"""What a drill problem is and how numbers are shown.

A topic is a generator function (registered with `@topic(...)` from `registry`). It
receives a seeded `numpy.random.Generator` and a difficulty (1 = by hand, 2-3 = larger
numbers and shapes) and returns a `Draft`: the prompt, every input by name, the engine's
answer, the worked steps and the known slips. `registry.make_problem` turns a draft into a
`Problem` with its topic, seed and difficulty, so the same three always give the same problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

Answer: TypeAlias = float | list[float] | list[list[float]]
JsonValue: TypeAlias = Any


@dataclass(frozen=True)
class Tolerance:
    """An answer x is right when |x - expected| <= abs + rel * |expected|, elementwise."""

    rel: float = 0.01
    abs: float = 0.001


EXACT = Tolerance(rel=0.0, abs=1e-9)
"""For integer answers (sizes, parameter counts): no slack at all."""


@dataclass(frozen=True)
class Slip:
    """A known wrong answer (computed by the engine) and what to tell a learner who gives it.

    Generators may give the value as a NumPy array; `make_problem` turns it into plain lists.
    """

    value: Answer | np.ndarray
    feedback: str
    id: str = ""
    """The mistake's stable id, `concept.slug` (e.g. `adam.no_bias_correction`), registered
    with `drills.mistakes.mistake`: what a misconception is tracked by across problems."""
    tolerance: Tolerance | None = None
    """How close a typed answer must be to `value` to be named this slip; None: the problem's
    (or the step's). A slip that is not a whole number under an exact answer needs its own:
    an unfloored size 14.333… is typed 14.33, never to within 1e-9."""


Recompute: TypeAlias = Callable[[Mapping[str, Any]], Any]
"""A checkpoint's value from the problem's inputs (closed over by the generator) and the
earlier checkpoints' values by name: the engine's on the engine's track, the learner's own
when grading their work, so that an early slip is carried forward rather than punished twice."""


@dataclass(frozen=True)
class Checkpoint:
    """A named intermediate quantity of a multi-step problem (z1, a1, …), in solving order.

    `value` is the engine's; `recompute(earlier)` gives it again from any values of the
    earlier checkpoints; `slips` are the known wrong values of this step on the engine's track
    (checked only at the first step that leaves it, where every earlier value is right). The
    last checkpoint of a problem is always `answer`.
    """

    name: str
    label: str
    value: Answer | np.ndarray | np.floating[Any] | int
    recompute: Recompute = field(compare=False, repr=False)
    slips: Sequence[Slip] = ()
    tolerance: Tolerance | None = None
    """None: the problem's tolerance."""


def accepted(value: ArrayLike, expected: ArrayLike, tolerance: Tolerance) -> bool:
    """The checker's rule: same shape, and every entry within abs + rel·|expected|."""
    given = np.asarray(value, dtype=np.float64)
    wanted = np.asarray(expected, dtype=np.float64)
    if given.shape != wanted.shape:
        return False
    return bool(np.all(np.abs(given - wanted) <= tolerance.abs + tolerance.rel * np.abs(wanted)))


def distinct_slips(
    answer: ArrayLike, slips: Sequence[Slip], tolerance: Tolerance | None = None
) -> list[Slip]:
    """The slips a checker can tell apart from the answer and from each other.

    A slip the checker would accept as right is useless (it would never fire), one equal to
    an earlier slip would never be reached, and a non-finite one cannot be typed: all go.
    "Equal" is at either value's tolerance (a slip's own, else `tolerance`): a slip whose own
    tolerance reaches the answer, or another slip, would name the wrong mistake.
    """
    tolerance = tolerance or Tolerance()
    kept: list[Slip] = []
    for slip in slips:
        value = np.asarray(plain(slip.value), dtype=np.float64)
        if not np.all(np.isfinite(value)) or _near(value, slip, answer, tolerance):
            continue
        if _reads_cut_short(value, np.asarray(plain(answer), dtype=np.float64), tolerance):
            continue
        if not any(_near(value, slip, plain(k.value), k.tolerance or tolerance) for k in kept):
            kept.append(slip)
    return kept


def _reads_cut_short(value: np.ndarray, answer: np.ndarray, tolerance: Tolerance) -> bool:
    """Every number of the slip that is not right is a short decimal (≤ 6 digits) that is
    also the answer rounded or cut to as many digits (−0.33 for −0.33617): typed as written,
    the checker takes it for the answer cut short and asks for more digits (its test comes
    before the slips'), so the slip would never be named."""
    if value.shape != answer.shape:
        return False
    for given, expected in zip(value.ravel().tolist(), answer.ravel().tolist(), strict=True):
        if abs(given - expected) <= tolerance.abs + tolerance.rel * abs(expected):
            continue
        if expected.is_integer():
            return False
        short = f"{given:.6g}"
        if "e" in short or float(short) != given:
            return False
        digits = max(1, len(short.lstrip("-").replace(".", "").lstrip("0")))  # the checker's
        if given not in (round_to(expected, digits), truncate_to(expected, digits)):
            return False
    return True


def _near(value: np.ndarray, slip: Slip, other: ArrayLike, other_tolerance: Tolerance) -> bool:
    """The slip's value is within `other`'s tolerance of it, or (for a slip with a tolerance
    of its own) `other` is within the slip's."""
    if accepted(value, other, other_tolerance):
        return True
    return slip.tolerance is not None and accepted(other, value, slip.tolerance)


@dataclass(frozen=True)
class Draft:
    """What a generator returns; `make_problem` adds topic, seed and difficulty."""

    prompt: str
    inputs: dict[str, JsonValue]
    answer: Answer | np.ndarray | np.floating[Any] | int
    steps: Sequence[str]
    tolerance: Tolerance = field(default_factory=Tolerance)
    slips: Sequence[Slip] = ()
    formula: str = ""
    """This problem's formula when it differs from the topic's (e.g. the drawn activation's)."""
    giveaways: tuple[str, ...] = ()
    """Answer-language functions that are the computation asked (tanh for tanh(z)): an
    answer that uses one is refused unread, since typing it back shows nothing."""
    checkpoints: Sequence[Checkpoint] = ()
    """The named steps, in order, the last named `answer` (its slips default to `slips`).
    None for a one-step computation: `make_problem` adds the lone `answer` checkpoint."""


@dataclass(frozen=True)
class Problem:
    """One generated drill: everything needed to show it, check it and explain it."""

    topic: str
    seed: int
    difficulty: int
    prompt: str
    inputs: dict[str, JsonValue]
    answer: Answer
    tolerance: Tolerance
    steps: tuple[str, ...]
    slips: tuple[Slip, ...] = ()
    title: str = ""
    """The task's name without its formula, the same wherever the topic is named."""
    formula: str = ""
    """What the learner should recall: in the prompt at level 1, in the steps at every level."""
    giveaways: tuple[str, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    """Every problem has at least `answer`; multi-step topics name their steps before it."""

    @property
    def hint(self) -> str:
        """The first worked step, revealed on request before answering."""
        return self.steps[0]

    def to_json(self) -> dict[str, JsonValue]:
        """The stable drill JSON contract of docs/formats.md."""
        return {
            "topic": self.topic,
            "title": self.title,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "prompt": self.prompt,
            "inputs": self.inputs,
            "answer": self.answer,
            "tolerance": {"rel": self.tolerance.rel, "abs": self.tolerance.abs},
            "steps": list(self.steps),
            "checkpoints": [
                {
                    "name": point.name,
                    "label": point.label,
                    "value": point.value,
                    "tolerance": {"rel": tolerance.rel, "abs": tolerance.abs},
                }
                for point in self.checkpoints
                for tolerance in [point.tolerance or self.tolerance]
            ],
        }


# ---------------------------------------------------------------- numbers in, numbers out

MOST = 17
"""Enough significant digits to write any double exactly."""


def round_to(x: float, digits: int) -> float:
    """`x` rounded to `digits` significant digits, as a person writes it (0.047351, 3 →
    0.0474)."""
    return float(f"{x:.{digits - 1}e}")


def truncate_to(x: float, digits: int) -> float:
    """`x` cut after `digits` significant digits (0.047351, 3 → 0.0473)."""
    if x == 0 or not math.isfinite(x):
        return x
    mantissa, exponent = f"{abs(x):.{MOST}e}".split("e")
    kept = mantissa.replace(".", "")[:digits]
    return math.copysign(float(f"{kept[0]}.{kept[1:] or '0'}e{exponent}"), x)


def plain(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python floats, ints, strings and nested lists (for
    JSON)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def decimals(difficulty: int) -> int:
    """How many decimals drawn numbers carry: one by hand, two when harder."""
    return 1 if difficulty <= 1 else 2


def draw(
    rng: np.random.Generator,
    shape: int | tuple[int, ...] | None,
    low: float,
    high: float,
    ndigits: int = 1,
    nonzero: bool = False,
) -> np.ndarray:
    """Uniform numbers in [low, high] rounded to `ndigits` decimals (optionally never 0)."""
    values = np.round(rng.uniform(low, high, size=shape), ndigits) + 0.0  # no -0.0
    if nonzero:
        step = 10.0**-ndigits
        values = np.where(values == 0, step, values)
    return np.asarray(values, dtype=np.float64)


def num(x: float | np.floating[Any] | int, digits: int = 4) -> str:
    """A number as a person writes it: integers plainly; from 1 up, `digits` decimals; below
    1, `digits` significant digits (so 0.047351 shows as 0.04735, not 0.0474 — small answers
    keep their relative precision); trailing zeros trimmed; very small or large in e-notation."""
    value = float(x)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e12:
        return str(int(value))
    magnitude = abs(value)
    if 1e-4 <= magnitude < 1e6:
        places = digits if magnitude >= 1 else digits - 1 - math.floor(math.log10(magnitude))
        text = f"{value:.{places}f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else f"{value:.{digits}g}"
    return f"{value:.{digits}g}"


def vec(values: ArrayLike, digits: int = 4) -> str:
    """A vector as `[a, b, c]`."""
    return "[" + ", ".join(num(v, digits) for v in np.ravel(np.asarray(values, float))) + "]"


def mat(values: ArrayLike, digits: int = 4) -> str:
    """A matrix as `[[a, b]; [c, d]]` rows (the way a learner types it, rows split by `;`)."""
    array = np.atleast_2d(np.asarray(values, float))
    return "[" + "; ".join(vec(row, digits) for row in array) + "]"


def show(values: ArrayLike, digits: int = 4) -> str:
    """A scalar, vector or matrix, whichever it is."""
    array = np.asarray(values, float)
    if array.ndim == 0:
        return num(float(array), digits)
    if array.ndim == 1:
        return vec(array, digits)
    return mat(array, digits)
