"""Grade a typed answer against a drill problem's: tolerance, shapes and feedback."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from studyapp.answers.errors import UNREADABLE, Answer, AnswerFormatError
from studyapp.answers.giveaway import giveaway_message
from studyapp.answers.lexing import TYPOGRAPHY
from studyapp.answers.precision import cut_short_message, typed_digits
from studyapp.answers.reading import MAX_LENGTH, parse_answer, read

if TYPE_CHECKING:
    from studyapp.drills.base import Problem, Slip, Tolerance

LOG_NOTE = "log was read as the natural logarithm ln; write log10(…) for base 10."


@dataclass(frozen=True)
class Verdict:
    """The grade of one typed answer, with the text to show the learner."""

    outcome: Literal["correct", "wrong", "unreadable"]
    message: str
    given: Answer | None
    expected: Answer
    feedback: str = ""
    """A wrong answer's explanation alone, without the expected answer after it."""
    slip: str = ""
    """The id of the known slip a wrong answer matched, or ""."""


def _plain(value: Any) -> Any:
    """Floats and nested lists of floats from numbers, tuples, lists or arrays."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (int, float)):
        return float(value)
    return value


def _shape(value: Any) -> tuple[int, ...] | None:
    """() for a number, (n,) for a vector, (rows, columns) for a matrix, None otherwise."""
    if isinstance(value, (int, float)):
        return ()
    if not isinstance(value, list):
        return None
    if all(isinstance(v, (int, float)) for v in value):
        return (len(value),)
    if all(isinstance(row, list) for row in value):
        widths = {len(row) for row in value}
        numbers = all(isinstance(v, (int, float)) for row in value for v in row)
        if len(widths) == 1 and numbers:
            return (len(value), widths.pop())
    return None


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape without its length-1 axes: 5, [5] and [[5]] agree, as do rows and columns."""
    return tuple(n for n in shape if n != 1)


def _flat(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for item in value for x in _flat(item)]
    return [float(value)]


def _pairs(given: Any, expected: Any) -> list[tuple[float, float]] | None:
    """(given, expected) number by number when the shapes agree up to length-1 axes."""
    given, expected = _plain(given), _plain(expected)
    given_shape, expected_shape = _shape(given), _shape(expected)
    if given_shape is None or expected_shape is None:
        return None
    if _squeezed(given_shape) != _squeezed(expected_shape):
        return None
    return list(zip(_flat(given), _flat(expected), strict=True))


def _close(given: float, expected: float, tolerance: Tolerance) -> bool:
    if not (math.isfinite(given) and math.isfinite(expected)):
        return False  # infinity would make the slack below infinite, and nan is no value
    # A few ulps of slack, so that typing exactly the boundary value (0.101 for 0.1 ± 0.001)
    # is not failed by binary rounding of the subtraction.
    slack = 4 * sys.float_info.epsilon * max(abs(given), abs(expected))
    return abs(given - expected) <= tolerance.abs + tolerance.rel * abs(expected) + slack


def within_tolerance(given: Any, expected: Any, tolerance: Tolerance) -> bool:
    """True when shapes agree and |x - e| <= abs + rel * |e| for every number.

    A number, a one-entry vector and a 1×1 matrix agree, as do a vector and a matrix with
    one row or one column; any other difference in shape is simply not within tolerance.
    """
    pairs = _pairs(given, expected)
    return pairs is not None and all(_close(g, e, tolerance) for g, e in pairs)


def _stated(expected: Answer, tolerance: Tolerance) -> str:
    """The expected answer as `show` writes it, with as many digits as it takes for the
    written value itself to be accepted (4 usually; more for small numbers under a tight
    tolerance, where 0.0474 would not pass for 0.047351 at rel 0.001)."""
    from studyapp.drills.base import show

    for digits in range(4, 17):
        text = show(expected, digits)
        try:
            if within_tolerance(parse_answer(text), expected, tolerance):
                return text
        except AnswerFormatError:
            break
    return show(expected, 17)


def _echo(text: str, given: Answer) -> str:
    """How a plain-number answer was read, to the digits typed (show's 4 by default)."""
    from studyapp.drills.base import show

    found = re.findall(r"[0-9.]+(?:[eE][+-]?[0-9]+)?", text)
    return show(given, max([4, *(typed_digits(number) for number in found)]))


def _given_shape(shape: tuple[int, ...]) -> str:
    squeezed = _squeezed(shape)
    if not squeezed:
        return "is a single number"
    if len(squeezed) == 1:
        return f"has {squeezed[0]} entries"
    return f"is a {squeezed[0]}×{squeezed[1]} matrix"


def _asked_shape(shape: tuple[int, ...], given: tuple[int, ...]) -> str:
    squeezed = _squeezed(shape)
    if not squeezed:
        return "a single number"
    if len(squeezed) == 1:
        return f"{squeezed[0]}" if len(_squeezed(given)) == 1 else f"{squeezed[0]} entries"
    return f"a {squeezed[0]}×{squeezed[1]} matrix"


def _count_sentence(given_shape: tuple[int, ...], expected_shape: tuple[int, ...]) -> str:
    """'This answer has 3 entries; the problem asks for 4.' and the like."""
    return (
        f"This answer {_given_shape(given_shape)}; "
        f"the problem asks for {_asked_shape(expected_shape, given_shape)}."
    )


def _shape_slip(given: Any, expected: Any) -> str:
    """Why a readable answer of another shape is not graded, echoing how it was read."""
    from studyapp.drills.base import show

    given_shape, expected_shape = _shape(given), _shape(expected)
    if given_shape is None or expected_shape is None:
        return "The answer does not have the shape of the expected one."
    message = f"{_count_sentence(given_shape, expected_shape)} Read as {show(given)}."
    want, got = _squeezed(expected_shape), _squeezed(given_shape)
    if not want and got:
        message += " Commas separate vector entries; write decimals with a point."
    elif len(want) == 2 and len(got) < 2:
        message += " Separate the rows of a matrix with ';', as in 1, 2; 3, 4."
    return message


_DECIMAL_COMMA = re.compile(r"\s*([+-]?[0-9]+),([0-9]+)\s*", re.ASCII)
_SIGNED_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _format_slip(text: str, expected: Answer) -> str | None:
    """A decimal comma for a number, or a vector's entries separated by spaces only: the
    message that says so, or None. Only where the expected shape makes the intent clear:
    7,0 is a vector when two entries are asked for, and 2 -1 a subtraction for a number."""
    if len(text) > MAX_LENGTH:
        return None
    want = _squeezed(_shape(expected) or ())
    if not want:
        comma = _DECIMAL_COMMA.fullmatch(text)
        if comma:
            return f"A decimal comma is not read: type {comma[1]}.{comma[2]} with a point."
        return None
    if len(want) != 1:
        return None
    parts = text.translate(TYPOGRAPHY).split()
    if len(parts) < 2 or not all(_SIGNED_NUMBER.fullmatch(part) for part in parts):
        return None
    message = (
        f"Entries separated by spaces only are not read: type [{', '.join(parts)}] with commas."
    )
    if len(parts) != want[0]:
        message += f" {_count_sentence((len(parts),), (want[0],))}"
    return message


def _transpose(matrix: Any) -> list[list[float]]:
    return [list(column) for column in zip(*matrix, strict=True)]


_LOG_WORDS = re.compile(r"\blog\b|\bln\b|logarithm|entropy|likelihood|\bbce\b|\bnll\b", re.I)


def _mentions_log(problem: Problem) -> bool:
    return bool(_LOG_WORDS.search(problem.prompt + " " + problem.topic.replace("_", " ")))


def _positions(indices: list[int], expected_shape: tuple[int, ...]) -> str:
    """'Entry [2]', 'Entries [0] and [3]' or 'Entries [1, 0] and [1, 1]' (row, column):
    0-based, like the input tables, the class indices and Python."""
    if len(_squeezed(expected_shape)) == 2:
        columns = expected_shape[1]
        names = [f"[{i // columns}, {i % columns}]" for i in indices]
    else:
        names = [f"[{i}]" for i in indices]
    shown = names[:4] + (["…"] if len(names) > 4 else [])
    joined = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return ("Entry " if len(indices) == 1 else "Entries ") + joined


def _matched_slip(given: Answer, problem: Problem) -> Slip | None:
    """The first known slip the answer is within tolerance of: the slip's own tolerance when
    it has one (an unfloored size 14.333… typed 14.33 under an exact answer), else the
    problem's."""
    for slip in problem.slips:
        if within_tolerance(given, slip.value, slip.tolerance or problem.tolerance):
            return slip
    return None


def _known_mistake(given: Answer, expected: Answer, problem: Problem) -> bool:
    """A readable answer of another shape that is still graded: one of the problem's known
    slips, or the transpose of a matrix answer."""
    if _matched_slip(given, problem) is not None:
        return True
    expected_shape = _shape(expected) or ()
    return len(_squeezed(expected_shape)) == 2 and within_tolerance(
        given, _transpose(expected), problem.tolerance
    )


def _feedback(given: Answer, expected: Answer, problem: Problem) -> str:
    """Why a readable answer is wrong, as specifically as we can tell."""
    tolerance = problem.tolerance
    slip = _matched_slip(given, problem)
    if slip is not None:
        return slip.feedback
    expected_shape = _shape(expected) or ()
    if len(_squeezed(expected_shape)) == 2 and within_tolerance(
        given, _transpose(expected), tolerance
    ):
        return "You gave the transpose: rows and columns are swapped."
    pairs = _pairs(given, expected)
    assert pairs is not None  # check_answer explains other shapes without grading
    if _mentions_log(problem):
        for base in (10, 2):
            if all(_close(g, e / math.log(base), tolerance) for g, e in pairs):
                return (
                    f"This is the value with log base {base}; the natural log (ln) is meant, "
                    f"so multiply by ln {base} ≈ {math.log(base):.4f}."
                )
    if all(_close(g, -e, tolerance) for g, e in pairs):
        return "The sign is flipped."
    off = [i for i, (g, e) in enumerate(pairs) if not _close(g, e, tolerance)]
    if len(pairs) > 1:
        if all(_close(abs(g), abs(e), tolerance) for g, e in pairs):
            return f"The sizes are right but some signs are not: {_positions(off, expected_shape)}."
        verb = "is" if len(off) == 1 else "are"
        return f"{_positions(off, expected_shape)} {verb} not within tolerance."
    return "Not quite."


def check_answer(text: str, problem: Problem) -> Verdict:
    """Read `text` and grade it against `problem.answer`; never raises for any text.

    Unreadable input is not graded: its verdict says what could not be read. Nor is a slip
    of format or shape (a decimal comma, entries separated by spaces, a wrong number of
    entries, a vector for a matrix): its verdict, also "unreadable", names the slip and
    echoes how the input was read, without revealing the answer. A wrong answer's message
    names the likeliest mistake (a known slip of the problem, a transpose, log base 10, a
    flipped sign) and then states the expected answer.
    """
    expected: Answer = _plain(problem.answer)
    if isinstance(text, str):
        slip = _format_slip(text, expected)
        if slip is not None:
            return Verdict("unreadable", slip, None, expected)
    try:
        given, uses_log = read(text)
    except AnswerFormatError as failure:
        return Verdict("unreadable", str(failure) or UNREADABLE, None, expected)
    except Exception:  # a parser or recursion failure deep inside: unreadable, not a crash
        return Verdict("unreadable", UNREADABLE, None, expected)
    giveaway = giveaway_message(text, problem.giveaways)
    if giveaway is not None:  # no echo: the value read would be the answer
        return Verdict("unreadable", giveaway, None, expected)
    note = f" Note: {LOG_NOTE}" if uses_log else ""
    if within_tolerance(given, expected, problem.tolerance):
        return Verdict("correct", "Correct." + note, given, expected)
    if _pairs(given, expected) is None and not _known_mistake(given, expected, problem):
        return Verdict("unreadable", _shape_slip(given, expected), None, expected)
    short = cut_short_message(text, given, expected, problem.tolerance)
    if short is not None:
        return Verdict("unreadable", f"{short} Read as {_echo(text, given)}.", None, expected)
    feedback = _feedback(given, expected, problem)
    message = f"{feedback} The answer is {_stated(expected, problem.tolerance)}.{note}"
    return Verdict("wrong", message, given, expected, feedback, _slip_id(given, problem))


def _slip_id(given: Answer, problem: Problem) -> str:
    """The id of the first known slip the answer matches (the one `_feedback` names)."""
    slip = _matched_slip(given, problem)
    return slip.id if slip is not None else ""
