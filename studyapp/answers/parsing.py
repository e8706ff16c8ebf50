"""Pass 2 of reading: tokens into a scalar, a vector or a matrix of *entries*.

`Reader` turns brackets and separators into the shape, and `entry` vets each entry's tokens
(whitelisted names only, an operand between operators, a function always followed by
parentheses) into code for SymPy. Plain numbers and simple fractions get their value here
at once (the fast path); other entries wait for `evaluation`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypeGuard

from studyapp.answers.errors import TOO_LARGE, Answer, AnswerFormatError, clip
from studyapp.answers.lexing import Token

MAX_NESTING = 20
"""Deepest bracket nesting read."""

FUNCTIONS = (
    "exp", "ln", "log", "log10", "sqrt", "tanh", "sigmoid", "erf", "phi", "cos", "sin", "abs",
    "max", "min",
)  # fmt: skip
MULTI_ARGUMENT = ("max", "min")
"""The functions that take two or more arguments, separated by commas."""
CONSTANTS = ("e", "pi")
ALLOWED_NAMES = (
    "e, pi (π), exp(…), ln(…), log(…) (natural log), log10(…), sqrt(…) (√), tanh(…), "
    "sigmoid(…) (σ), erf(…), Phi(…) (Φ, the standard normal CDF), cos(…), sin(…), abs(…), "
    "max(…, …) and min(…, …)"
)


@dataclass
class Entry:
    """One scalar entry: what was typed, the vetted code for SymPy, its value once known."""

    source: str
    code: str
    value: float | None
    uses_log: bool


_Vector: TypeAlias = list[Entry]
_Matrix: TypeAlias = list[list[Entry]]
Shaped: TypeAlias = Entry | _Vector | _Matrix


def _is_vector(item: Shaped) -> TypeGuard[_Vector]:
    return isinstance(item, list) and all(isinstance(x, Entry) for x in item)


def _all_entries(items: list[Shaped]) -> TypeGuard[list[Entry]]:
    return all(isinstance(item, Entry) for item in items)


def _all_vectors(items: list[Shaped]) -> TypeGuard[list[_Vector]]:
    return all(_is_vector(item) for item in items)


def _rectangular(rows: list[_Vector]) -> _Matrix:
    widths = [len(row) for row in rows]
    if len(set(widths)) > 1:
        listed = ", ".join(str(w) for w in widths)
        raise AnswerFormatError(
            f"The matrix rows have different lengths ({listed} numbers); "
            "every row needs the same number of entries."
        )
    return rows


_TOO_DEEP = "Brackets go at most two levels deep: a vector [a, b] or a matrix [[a, b], [c, d]]."


class Reader:
    """Turns tokens into a scalar, a vector or a matrix of entries (values still pending)."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.closing = self._match_brackets()

    def _match_brackets(self) -> dict[int, int]:
        pairs = {"(": ")", "[": "]"}
        stack: list[int] = []
        closing: dict[int, int] = {}
        for i, token in enumerate(self.tokens):
            if token.kind == "open":
                stack.append(i)
                if len(stack) > MAX_NESTING:
                    raise AnswerFormatError(
                        f"The brackets are nested too deeply (more than {MAX_NESTING} levels)."
                    )
            elif token.kind == "close":
                if not stack:
                    raise AnswerFormatError(
                        f"There is a '{token.text}' without a matching opening bracket."
                    )
                start = stack.pop()
                opened = self.tokens[start].text
                if pairs[opened] != token.text:
                    raise AnswerFormatError(f"A '{opened}' is closed by '{token.text}'.")
                closing[start] = i
        if stack:
            raise AnswerFormatError(f"A '{self.tokens[stack[-1]].text}' is never closed.")
        return closing

    def read(self) -> Shaped:
        if not self.tokens:
            raise AnswerFormatError("Type an answer first.")
        return self._contents(0, len(self.tokens), bracketed=False)

    def _split(self, lo: int, hi: int) -> list[list[tuple[int, int]]]:
        """Token spans of the entries in [lo, hi): rows split at ';', entries at ','."""
        rows: list[list[tuple[int, int]]] = [[]]
        start = k = lo
        while k < hi:
            token = self.tokens[k]
            if token.kind == "open":
                k = self.closing[k] + 1
                continue
            if token.kind == "sep":
                rows[-1].append((start, k))
                if token.text == ";":
                    rows.append([])
                start = k + 1
            k += 1
        rows[-1].append((start, hi))
        return rows

    def _contents(self, lo: int, hi: int, bracketed: bool) -> Shaped:
        if lo == hi:
            raise AnswerFormatError("There is an empty pair of brackets.")
        rows = self._split(lo, hi)
        if len(rows) > 1:
            return _rectangular([self._row(spans) for spans in rows])
        items = [self._item(a, b) for a, b in rows[0]]
        if len(items) == 1:
            only = items[0]
            if not bracketed:
                return only
            if isinstance(only, Entry):
                return [only]
            if _is_vector(only):
                return [only]  # [[a, b]] is a 1×n matrix
            raise AnswerFormatError(_TOO_DEEP)
        if _all_entries(items):
            return items
        if _all_vectors(items):
            return _rectangular(items)
        if any(isinstance(item, list) and not _is_vector(item) for item in items):
            raise AnswerFormatError(_TOO_DEEP)
        raise AnswerFormatError(
            "Some entries are numbers and some are bracketed rows: write a vector as "
            "a, b, c and a matrix as [a, b], [c, d] or a, b; c, d."
        )

    def _row(self, spans: list[tuple[int, int]]) -> _Vector:
        items = [self._item(a, b) for a, b in spans]
        if len(items) == 1 and isinstance(items[0], list):
            if _is_vector(items[0]):
                return items[0]
            raise AnswerFormatError(_TOO_DEEP)
        if _all_entries(items):
            return items
        raise AnswerFormatError(
            "A matrix row is numbers separated by commas, either bare or in one pair of "
            "brackets; rows are separated by ';'."
        )

    def _item(self, a: int, b: int) -> Shaped:
        if a == b:
            raise AnswerFormatError("An entry is empty: look for a doubled or trailing ',' or ';'.")
        first = self.tokens[a]
        wraps_all = first.kind == "open" and self.closing[a] == b - 1
        if wraps_all and (first.text == "[" or self._has_separator(a + 1, b - 1)):
            return self._contents(a + 1, b - 1, bracketed=True)
        return _entry(self.text, self.tokens[a:b])

    def _has_separator(self, lo: int, hi: int) -> bool:
        rows = self._split(lo, hi)
        return len(rows) > 1 or len(rows[0]) > 1


def entries_of(shaped: Shaped) -> list[Entry]:
    if isinstance(shaped, Entry):
        return [shaped]
    return [x for item in shaped for x in entries_of(item)]


def values_of(shaped: Shaped) -> Answer:
    if isinstance(shaped, Entry):
        assert shaped.value is not None
        return shaped.value
    return [values_of(item) for item in shaped]  # type: ignore[return-value]


def _literal(token: Token) -> float:
    value = float(token.text)
    if not math.isfinite(value):
        raise AnswerFormatError(f"The number {clip(token.text)} is too large to check.")
    return value


def _canonical(value: float) -> str:
    """A literal as SymPy gets it: whole numbers as integers (cheap to build, and never
    with leading zeros, which Python's tokenizer splits: 007 would read as 0·7), others as
    the float's repr, whose exponent is bounded (SymPy turns a decimal such as 1e-99999
    into an exact fraction first)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _fast_value(source: str, tokens: Sequence[Token]) -> float | None:
    """The value of `n`, `-n`, `n/m` or `-n/m` without SymPy; None for anything else."""
    sign = 1.0
    if tokens[0].text in ("+", "-"):
        sign = -1.0 if tokens[0].text == "-" else 1.0
        tokens = tokens[1:]
    kinds = [t.kind for t in tokens]
    if kinds == ["num"]:
        return sign * _literal(tokens[0])
    if kinds == ["num", "op", "num"] and tokens[1].text == "/":
        numerator, denominator = _literal(tokens[0]), _literal(tokens[2])
        if denominator == 0:
            raise AnswerFormatError(f"Cannot evaluate '{clip(source)}': division by zero.")
        quotient = numerator / denominator  # finite parts, yet 1/1e-320 is infinite
        if not math.isfinite(quotient):
            raise AnswerFormatError(f"Cannot evaluate '{clip(source)}': {TOO_LARGE}.")
        return sign * quotient
    return None


def _misplaced_operator(source: str, token: Token, previous: Token | None) -> AnswerFormatError:
    if previous is None:
        return AnswerFormatError(
            f"The entry '{clip(source)}' starts with '{token.text}', "
            "which needs a number before it."
        )
    return AnswerFormatError(f"The '{token.text}' after '{previous.text}' has nothing on its left.")


_AMBIGUOUS = {
    "^": "'{}' is ambiguous: put the whole exponent in parentheses, as in e^(-2pi), "
    "or use '*', as in e^(-2)*pi.",
    "/": "'{}' is ambiguous: put the whole divisor in parentheses, as in 1/(2pi), "
    "or use '*', as in (1/2)*pi.",
}
_AMBIGUOUS["**"] = _AMBIGUOUS["^"]


def _entry(text: str, tokens: Sequence[Token]) -> Entry:
    """Vet one entry's tokens as an expression and keep its code for SymPy.

    A small state machine: `expect_operand` is True where a number, a constant, a
    function or '(' must come next (unary + and - may come first). An operand right after
    another one is implicit multiplication (2pi, 3sqrt(2), 2(3+1)), except two numbers in a
    row, and except after a bare exponent or divisor: e^-2pi could mean e^(-2π) or
    e^(-2)·π, and 1/2pi 1/(2π) or π/2, so we ask rather than guess.
    """
    source = text[tokens[0].start : tokens[-1].end]
    code: list[str] = []
    expect_operand = True
    tight = ""  # '^', '**' or '/' when the operand being read follows that operator
    after_tight = ""  # the same, once that operand was a bare number or constant
    uses_log = False
    previous: Token | None = None
    function = ""  # the function whose '(' comes next
    parentheses: list[tuple[str, int]] = []  # (function or "", arguments so far) per '('
    for i, token in enumerate(tokens):
        if token.kind == "sep":
            inside = parentheses[-1] if parentheses else None
            if token.text != "," or inside is None or inside[0] not in MULTI_ARGUMENT:
                raise AnswerFormatError(
                    "',' and ';' separate vector and matrix entries; they cannot stand inside "
                    f"an expression's parentheses, as in '{clip(source)}' (only max and min "
                    "take more than one argument)."
                )
            if expect_operand:
                raise AnswerFormatError(f"An argument of {inside[0]}(…) is missing.")
            parentheses[-1] = (inside[0], inside[1] + 1)
            code.append(",")
            expect_operand, tight = True, ""
            previous = token
            continue
        if token.kind in ("open", "close") and token.text in "[]":
            raise AnswerFormatError("Square brackets can only wrap a whole vector or a matrix row.")
        if after_tight and token.kind in ("name", "open"):
            raise AnswerFormatError(_AMBIGUOUS[after_tight].format(clip(source)))
        after_tight = ""
        if token.kind == "num":
            if not expect_operand:
                assert previous is not None
                if previous.kind == "num":
                    raise AnswerFormatError(
                        f"Two numbers in a row ('{clip(previous.text)}' then "
                        f"'{clip(token.text)}'): put an operator or a comma between them."
                    )
                raise AnswerFormatError(
                    f"A number right after '{previous.text}': put an operator between them."
                )
            code.append(_canonical(_literal(token)))
            expect_operand, after_tight, tight = False, tight, ""
        elif token.kind == "name":
            name = token.text.lower()
            if name in CONSTANTS:
                code.append(name)
                expect_operand, after_tight, tight = False, tight, ""
            elif name in FUNCTIONS:
                if i + 1 == len(tokens) or tokens[i + 1].text != "(":
                    raise AnswerFormatError(
                        f"{name} needs its argument in parentheses, as in {name}(2)."
                    )
                code.append(name)
                function = name
                uses_log = uses_log or name == "log"
                expect_operand, tight = True, ""
            else:
                raise AnswerFormatError(
                    f"Unknown name '{clip(token.text)}': the names you can use are {ALLOWED_NAMES}."
                )
        elif token.kind == "op":
            unary = expect_operand
            if unary and token.text not in ("+", "-"):
                raise _misplaced_operator(source, token, previous)
            code.append(token.text)
            if not unary:
                tight = token.text if token.text in _AMBIGUOUS else ""
            expect_operand = True
        elif token.kind == "open":
            code.append("(")
            parentheses.append((function, 1))
            function = ""
            expect_operand, tight = True, ""
        else:  # close
            if expect_operand:
                assert previous is not None
                if previous.kind == "open":
                    raise AnswerFormatError("There is an empty pair of parentheses.")
                raise AnswerFormatError(f"Something is missing after '{previous.text}'.")
            name, arguments = parentheses.pop()
            if name in MULTI_ARGUMENT and arguments < 2:
                raise AnswerFormatError(f"{name} needs at least two arguments, as in {name}(1, 2).")
            code.append(")")
            expect_operand = False
        previous = token
    if expect_operand:
        raise AnswerFormatError(
            f"The entry '{clip(source)}' ends with '{tokens[-1].text}': something is missing."
        )
    return Entry(source, " ".join(code), _fast_value(source, tokens), uses_log)
