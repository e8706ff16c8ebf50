"""Tell an answer cut short from a wrong one.

"0.0473" for 0.047351 at 0.1 % agrees with the answer in every digit typed, yet falls
outside the tolerance: the learner computed right and stopped too early. Such an answer is
not graded; the message asks for the digits the problem needs (`digits_needed`).
Only plain numbers count: an expression has no typed digits to compare.
"""

from __future__ import annotations

from typing import Any

from studyapp.answers.errors import AnswerFormatError
from studyapp.answers.lexing import lex, typography

_LAYOUT = frozenset({"sep", "open", "close"})


def _literals(text: str) -> list[str] | None:
    """The signed numbers of `text` when it holds nothing else (no operators between
    numbers, no names), in order; None otherwise."""
    try:
        tokens = lex(typography(text))
    except AnswerFormatError:
        return None
    literals: list[str] = []
    sign = ""
    for token in tokens:
        if token.kind == "op" and token.text in "+-" and not sign:
            sign = token.text
        elif token.kind == "num":
            literals.append(sign + token.text)
            sign = ""
        elif token.kind in _LAYOUT and not sign:
            continue
        else:
            return None
    return literals if not sign else None


def typed_digits(literal: str) -> int:
    """The significant digits written in a plain number: '0.0473' 3, '0.500' 3, '4.7e-2' 2."""
    mantissa = literal.lower().split("e")[0].lstrip("+-")
    return max(1, len(mantissa.replace(".", "").lstrip("0")))


def _flat(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for item in value for x in _flat(item)]
    return [float(value)]


def cut_short_message(text: str, given: Any, expected: Any, tolerance: Any) -> str | None:
    """'Right to the 3 digits you gave; this problem needs 4 — type more digits.' when every
    number typed is right or is the expected one rounded or cut to the digits typed, and at
    least one of them is short; None otherwise (a whole-number answer is never short)."""
    from studyapp.drills.base import round_to, truncate_to
    from studyapp.drills.digits import accepts, digits_needed

    literals = _literals(text)
    wanted, got = _flat(expected), _flat(given)
    if literals is None or len(literals) != len(got) or len(got) != len(wanted):
        return None
    short: list[int] = []
    for literal, value, answer in zip(literals, got, wanted, strict=True):
        if accepts(value, answer, tolerance):
            continue
        digits = typed_digits(literal)
        if answer.is_integer() or value not in (
            round_to(answer, digits),
            truncate_to(answer, digits),
        ):
            return None
        short.append(digits)
    if not short:
        return None
    typed = max(short)
    unit = "digit" if typed == 1 else "digits"
    # Cut rather than rounded, the typed digits can fall short even where rounding to as
    # many would pass: then more than were typed are needed, whatever rounding says.
    needed = max(digits_needed(expected, tolerance), typed + 1)
    return f"Right to the {typed} {unit} you gave; this problem needs {needed} — type more digits."
