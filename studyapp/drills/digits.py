"""How many significant digits a problem's answer needs, so the prompt can say so.

With the usual tolerance (1 %, ±0.001) three digits always do; a tighter one (0.1 % for
the initialization fractions) can need four or more, and a learner who stops at three
would be failed for a right computation. `digits_needed` is the least number of
significant digits to which the answer can be rounded and still be accepted.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from studyapp.drills.base import MOST, Tolerance, round_to

STATED_ABOVE = 3
"""Prompts say how many digits are needed only beyond this many: three is what people give."""


def accepts(given: float, expected: float, tolerance: Tolerance) -> bool:
    """The checker's rule for one number, with its few ulps of slack for binary rounding."""
    slack = 4 * sys.float_info.epsilon * max(abs(given), abs(expected))
    return abs(given - expected) <= tolerance.abs + tolerance.rel * abs(expected) + slack


def _numbers(answer: Any) -> list[float]:
    if isinstance(answer, (list, tuple)):
        return [x for item in answer for x in _numbers(item)]
    return [float(answer)]


def digits_needed(answer: Any, tolerance: Tolerance) -> int:
    """The fewest significant digits to which every number of `answer` can be rounded and
    still be within `tolerance`."""
    numbers = [x for x in _numbers(answer) if math.isfinite(x)]
    for digits in range(1, MOST):
        if all(accepts(round_to(x, digits), x, tolerance) for x in numbers):
            return digits
    return MOST


def digits_line(answer: Any, tolerance: Tolerance) -> str:
    """'Give 4 significant digits.' where three are not enough; '' otherwise, and for
    whole-number answers (counts and sizes are typed whole anyway)."""
    if all(x.is_integer() for x in _numbers(answer)):
        return ""
    needed = digits_needed(answer, tolerance)
    return f"Give {needed} significant digits." if needed > STATED_ABOVE else ""
