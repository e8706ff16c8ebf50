"""Whether a step's known slips can be told apart, so that a generator can redraw when not.

`distinct_slips` drops a slip that coincides with an earlier one, and the learner who made
the dropped mistake is then told the name of the other (init_variance with fan_out =
2·fan_in called LeCun's 1/fan_in "divided by fan_out"). A generator asks `told_apart` (or
`sorted_out`) of its raw slips first and draws again when two of them clash.

A slip that is the answer itself rounded or cut to fewer digits clashes too: the checker
reads it as an answer typed short ("type more digits") before it looks for known slips.

Plain Python floats rather than NumPy: the values are a handful of numbers, and this runs
in every generator's draw loop, within the 1 ms a problem may take.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from studyapp.drills.base import Draft, Slip, Tolerance, plain, round_to, truncate_to


def sorted_out(value: Any, slips: Sequence[Slip], tolerance: Tolerance) -> list[Slip] | None:
    """The slips a checker can tell from the answer (as `distinct_slips` keeps them), or None
    when two of them lie within tolerance of each other (either way round) or one reads as
    the answer cut short. Slips the checker would accept, or that cannot be typed, are no
    mistake in this problem and clash with nothing."""
    target = _flat(value)
    wrong: list[tuple[Slip, list[float]]] = []
    for slip in slips:
        row = _flat(slip.value)
        if len(row) != len(target) or not all(math.isfinite(x) for x in row):
            continue
        if _within(row, target, tolerance):
            continue
        if cut_short(row, target, tolerance):
            return None
        if any(
            _within(row, other, tolerance) or _within(other, row, tolerance) for _, other in wrong
        ):
            return None
        wrong.append((slip, row))
    return [slip for slip, _ in wrong]


def told_apart(value: Any, slips: Sequence[Slip], tolerance: Tolerance) -> bool:
    """True when `sorted_out` finds no clash."""
    return sorted_out(value, slips, tolerance) is not None


def cut_short(slip: Sequence[float], answer: Sequence[float], tolerance: Tolerance) -> bool:
    """True when every entry of the slip, written out, is right or is its answer entry rounded
    or cut to the digits written, as the checker's cut-short rule reads a typed answer."""
    short = False
    for x, a in zip(slip, answer, strict=True):
        gap = abs(x - a)
        if gap <= tolerance.abs + tolerance.rel * abs(a):
            continue
        if a == 0 or gap >= 10.0 ** math.floor(math.log10(abs(a))):
            return False  # off by a unit of a's leading digit or more: no rounding of a
        written = f"{x:.11e}"  # as `show(x, 12)` writes it: 12 significant digits
        digits = len(written.split("e")[0].lstrip("-").replace(".", "").rstrip("0")) or 1
        if float(a).is_integer() or float(written) not in (
            round_to(a, digits),
            truncate_to(a, digits),
        ):
            return False
        short = True
    return short


def _flat(value: Any) -> list[float]:
    """Every number of a scalar, vector or matrix, in order."""
    value = plain(value)
    if isinstance(value, list):
        return [float(x) for item in value for x in (item if isinstance(item, list) else [item])]
    return [float(value)]


def _within(given: Sequence[float], expected: Sequence[float], tolerance: Tolerance) -> bool:
    return all(
        abs(g - e) <= tolerance.abs + tolerance.rel * abs(e)
        for g, e in zip(given, expected, strict=True)
    )


def redrawn(
    make: Callable[[np.random.Generator, int], Draft | None],
) -> Callable[[np.random.Generator, int], Draft]:
    """A generator that draws again while `make` finds slips it cannot tell apart (None)."""

    @functools.wraps(make)
    def generate(rng: np.random.Generator, difficulty: int) -> Draft:
        while True:
            draft = make(rng, difficulty)
            if draft is not None:
                return draft

    return generate
