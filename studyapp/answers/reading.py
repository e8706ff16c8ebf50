"""Read what a learner typed in a drill and grade it against the engine's answer.

Reading goes in three passes, so nothing the learner types is ever run as code:

1. `_lex` cuts the text into a few token kinds (numbers, names, operators, brackets,
   separators) and rejects every other character;
2. `_Reader` turns brackets and separators into a scalar, a vector or a matrix of
   *entries*, and `_entry` vets each entry's tokens (whitelisted names only, an operand
   between operators, a function always followed by parentheses);
3. plain numbers and simple fractions become floats at once (the fast path); any other
   entry goes, already vetted, to SymPy's `parse_expr` with automatic evaluation off,
   and `_value_of` evaluates the unevaluated tree in floats, catching overflow, division
   by zero and logarithms of non-positive numbers where they happen.

So `9^9^9` overflows a float in microseconds instead of asking SymPy for an integer
with 370 million digits. SymPy is imported for the first expression, not with this module.

Conventions: `^` and `**` are powers (right-associative and above unary minus, so
-2^2 = -4); `log` and `ln` are both the natural logarithm (PyTorch's convention,
docs/formats.md); a vector is `a, b, c`, optionally in [ ] or ( ); matrix rows are separated
by `;` or written as bracketed rows, `[[a, b], [c, d]]`.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias, TypeGuard

if TYPE_CHECKING:
    from studyapp.drills.base import Problem, Tolerance

Answer: TypeAlias = float | list[float] | list[list[float]]
"""studyapp.drills.base.Answer, repeated so that importing this module loads no NumPy."""

MAX_LENGTH = 1000
"""Longest answer read, in characters; longer input is refused before any other work.

Room for a 5×5 matrix pasted at full float precision; plain numbers are cheap to read.
"""

MAX_EXPRESSION_LENGTH = 300
"""Most characters of expressions (entries other than plain numbers and fractions) in one
answer. SymPy's parse costs about 10 µs a token, so this keeps the worst case near 3 ms;
a softmax typed as e^1/(e^1+e^2+e^3), … takes about 60."""

MAX_NESTING = 20
"""Deepest bracket nesting read."""

FUNCTIONS = ("exp", "ln", "log", "log10", "sqrt")
CONSTANTS = ("e", "pi")
ALLOWED_NAMES = "e, pi, exp(…), ln(…), log(…) (natural log), log10(…) and sqrt(…)"

LOG_NOTE = "log was read as the natural logarithm ln; write log10(…) for base 10."
UNREADABLE = "Cannot read this as a number, a vector or a matrix."


class AnswerFormatError(ValueError):
    """The text could not be read as a number, vector or matrix; the message says why."""


@dataclass(frozen=True)
class Verdict:
    """The grade of one typed answer, with the text to show the learner."""

    outcome: Literal["correct", "wrong", "unreadable"]
    message: str
    given: Answer | None
    expected: Answer


# ------------------------------------------------------------------------------ lexing

# Typographic forms a learner may type or paste, rewritten to what the lexer reads.
_TYPOGRAPHY = str.maketrans(
    {
        "−": "-",
        "–": "-",
        "×": "*",
        "·": "*",
        "⋅": "*",
        "∙": "*",
        "÷": "/",
        "π": "pi",
        "²": "^2",
        "³": "^3",
    }
)

_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"

_TOKEN = re.compile(
    rf"(?P<num>{_NUMBER})"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^])"
    r"|(?P<open>[(\[])"
    r"|(?P<close>[)\]])"
    r"|(?P<sep>[,;])"
    r"|(?P<space>\s+)"  # any Unicode space, such as a pasted no-break space
)

_PLAIN_NUMBER = re.compile(rf"\s*[+-]?{_NUMBER}\s*", re.ASCII)

_WHY_NOT = {
    "!": "factorials (!) are not read",
    "%": "percent signs are not read; write 5% as 0.05",
    "=": "type only the value, without '='",
    "{": "use [ ] or ( ) around vectors and matrices, not { }",
    "}": "use [ ] or ( ) around vectors and matrices, not { }",
    ".": "a '.' must belong to a number, as in 0.5 or .5",
}


class _Token(NamedTuple):
    kind: str  # num, name, op, open, close or sep
    text: str
    start: int
    end: int


def _lex(text: str) -> list[_Token]:
    """The tokens of `text`; a character outside the grammar is an AnswerFormatError."""
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if found is None:
            char = text[pos]
            reason = _WHY_NOT.get(char, "it is not part of a number or an expression")
            raise AnswerFormatError(f"Cannot read the character {char!r}: {reason}.")
        if found.lastgroup != "space":
            tokens.append(_Token(str(found.lastgroup), found.group(), pos, found.end()))
        pos = found.end()
    return tokens


# --------------------------------------------------------------------------- structure


@dataclass
class _Entry:
    """One scalar entry: what was typed, the vetted code for SymPy, its value once known."""

    source: str
    code: str
    value: float | None
    uses_log: bool


_Vector: TypeAlias = list[_Entry]
_Matrix: TypeAlias = list[list[_Entry]]
_Shaped: TypeAlias = _Entry | _Vector | _Matrix


def _is_vector(item: _Shaped) -> TypeGuard[_Vector]:
    return isinstance(item, list) and all(isinstance(x, _Entry) for x in item)


def _all_entries(items: list[_Shaped]) -> TypeGuard[list[_Entry]]:
    return all(isinstance(item, _Entry) for item in items)


def _all_vectors(items: list[_Shaped]) -> TypeGuard[list[_Vector]]:
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


class _Reader:
    """Turns tokens into a scalar, a vector or a matrix of entries (values still pending)."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
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

    def read(self) -> _Shaped:
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

    def _contents(self, lo: int, hi: int, bracketed: bool) -> _Shaped:
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
            if isinstance(only, _Entry):
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

    def _item(self, a: int, b: int) -> _Shaped:
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


def _entries_of(shaped: _Shaped) -> list[_Entry]:
    if isinstance(shaped, _Entry):
        return [shaped]
    return [x for item in shaped for x in _entries_of(item)]


def _values_of(shaped: _Shaped) -> Answer:
    if isinstance(shaped, _Entry):
        assert shaped.value is not None
        return shaped.value
    return [_values_of(item) for item in shaped]  # type: ignore[return-value]


# ----------------------------------------------------------------------------- entries


def _clip(text: str, width: int = 40) -> str:
    """`text` for an error message, shortened in the middle when long."""
    return text if len(text) <= width else text[: width // 2] + "…" + text[-(width // 2) :]


def _literal(token: _Token) -> float:
    value = float(token.text)
    if not math.isfinite(value):
        raise AnswerFormatError(f"The number {_clip(token.text)} is too large to check.")
    return value


def _canonical(value: float) -> str:
    """A literal as SymPy gets it: whole numbers as integers (cheap to build, and never
    with leading zeros, which Python's tokenizer splits: 007 would read as 0·7), others as
    the float's repr, whose exponent is bounded (SymPy turns a decimal such as 1e-99999
    into an exact fraction first)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _fast_value(source: str, tokens: Sequence[_Token]) -> float | None:
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
            raise AnswerFormatError(f"Cannot evaluate '{_clip(source)}': division by zero.")
        quotient = numerator / denominator  # finite parts, yet 1/1e-320 is infinite
        if not math.isfinite(quotient):
            raise AnswerFormatError(f"Cannot evaluate '{_clip(source)}': {_TOO_LARGE}.")
        return sign * quotient
    return None


def _misplaced_operator(source: str, token: _Token, previous: _Token | None) -> AnswerFormatError:
    if previous is None:
        return AnswerFormatError(f"'{_clip(source)}' starts with '{token.text}'.")
    return AnswerFormatError(f"'{token.text}' after '{previous.text}' has nothing on its left.")


_AMBIGUOUS = {
    "^": "'{}' is ambiguous: put the whole exponent in parentheses, as in e^(-2pi), "
    "or use '*', as in e^(-2)*pi.",
    "/": "'{}' is ambiguous: put the whole divisor in parentheses, as in 1/(2pi), "
    "or use '*', as in (1/2)*pi.",
}
_AMBIGUOUS["**"] = _AMBIGUOUS["^"]


def _entry(text: str, tokens: Sequence[_Token]) -> _Entry:
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
    previous: _Token | None = None
    for i, token in enumerate(tokens):
        if token.kind == "sep":
            raise AnswerFormatError(
                "',' and ';' separate vector and matrix entries; they cannot stand inside "
                f"an expression's parentheses, as in '{_clip(source)}' (functions take one "
                "argument)."
            )
        if token.kind in ("open", "close") and token.text in "[]":
            raise AnswerFormatError("Square brackets can only wrap a whole vector or a matrix row.")
        if after_tight and token.kind in ("name", "open"):
            raise AnswerFormatError(_AMBIGUOUS[after_tight].format(_clip(source)))
        after_tight = ""
        if token.kind == "num":
            if not expect_operand:
                assert previous is not None
                if previous.kind == "num":
                    raise AnswerFormatError(
                        f"Two numbers in a row ('{_clip(previous.text)}' then "
                        f"'{_clip(token.text)}'): put an operator or a comma between them."
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
                uses_log = uses_log or name == "log"
                expect_operand, tight = True, ""
            else:
                raise AnswerFormatError(
                    f"Unknown name '{_clip(token.text)}': the names you can use are "
                    f"{ALLOWED_NAMES}."
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
            expect_operand, tight = True, ""
        else:  # close
            if expect_operand:
                assert previous is not None
                if previous.kind == "open":
                    raise AnswerFormatError("There is an empty pair of parentheses.")
                raise AnswerFormatError(f"Something is missing after '{previous.text}'.")
            code.append(")")
            expect_operand = False
        previous = token
    if expect_operand:
        raise AnswerFormatError(
            f"'{_clip(source)}' ends with '{tokens[-1].text}': something is missing."
        )
    return _Entry(source, " ".join(code), _fast_value(source, tokens), uses_log)


# ------------------------------------------------------------------------------- SymPy

_parse: Callable[[str], Any] | None = None


def _sympy_parser() -> Callable[[str], Any]:
    """SymPy's `parse_expr` bound to our whitelist (SymPy is imported on first use).

    The names a learner may use map to SymPy's E and pi and to *undefined* functions, so
    SymPy builds a tree and never computes; `evaluate(False)` keeps +, *, ^ from doing
    arithmetic on the way. The global namespace holds no builtins at all.
    """
    global _parse
    if _parse is None:
        from sympy import E, Float, Function, Integer, Rational, pi
        from sympy.core.parameters import evaluate
        from sympy.parsing.sympy_parser import (
            convert_xor,
            implicit_multiplication,
            parse_expr,
            standard_transformations,
        )

        names: dict[str, Any] = {"e": E, "pi": pi}
        names.update({name: Function(name) for name in FUNCTIONS})
        numbers: dict[str, Any] = {
            "__builtins__": {},
            "Integer": Integer,
            "Float": Float,
            "Rational": Rational,
        }
        transformations = (*standard_transformations, implicit_multiplication, convert_xor)

        def parse(code: str) -> Any:
            with evaluate(False):
                return parse_expr(
                    code,
                    local_dict=dict(names),
                    global_dict=dict(numbers),
                    transformations=transformations,
                )

        _parse = parse
    return _parse


def warm_up() -> None:
    """Import SymPy and build the parser now, so the first expression checks fast.

    Worth calling from a worker thread when the drill screen opens (SymPy takes a few
    tenths of a second to import).
    """
    _sympy_parser()("1 + 2 pi ^ 2")


class _Undefined(ArithmeticError):
    """An expression with no finite real value; the message says why."""


_TOO_LARGE = "the value is too large to check (beyond about 1.8e308)"


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        raise _Undefined("division by zero")
    if base < 0 and not exponent.is_integer():
        raise _Undefined("a negative number to a fractional power has no real value")
    try:
        return math.pow(base, exponent)
    except OverflowError:
        raise _Undefined(_TOO_LARGE) from None


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise _Undefined(_TOO_LARGE) from None


def _logarithm(log: Callable[[float], float]) -> Callable[[float], float]:
    def guarded(x: float) -> float:
        if x <= 0:
            raise _Undefined("a logarithm needs a positive number")
        return log(x)

    return guarded


def _sqrt(x: float) -> float:
    if x < 0:
        raise _Undefined("the square root of a negative number has no real value")
    return math.sqrt(x)


_FUNCTION_VALUES: dict[str, Callable[[float], float]] = {
    "exp": _exp,
    "ln": _logarithm(math.log),
    "log": _logarithm(math.log),
    "log10": _logarithm(math.log10),
    "sqrt": _sqrt,
}


def _value_of(node: Any) -> float:
    """Evaluate an unevaluated SymPy tree in float64, refusing every non-finite step."""
    if node.is_Number or node.is_NumberSymbol:
        try:
            value = float(node)
        except OverflowError:
            raise _Undefined(_TOO_LARGE) from None
    elif node.is_Add:
        value = sum(_value_of(arg) for arg in node.args)
    elif node.is_Mul:
        value = math.prod(_value_of(arg) for arg in node.args)
    elif node.is_Pow:
        base, exponent = node.args
        value = _power(_value_of(base), _value_of(exponent))
    elif type(node).__name__ in _FUNCTION_VALUES and len(node.args) == 1:
        value = _FUNCTION_VALUES[type(node).__name__](_value_of(node.args[0]))
    else:
        raise _Undefined(f"'{node}' is not something this reader evaluates")
    if math.isnan(value):
        raise _Undefined("the value is not a number (nan)")
    if math.isinf(value):
        raise _Undefined(_TOO_LARGE)
    return value


def _evaluate(entries: list[_Entry]) -> None:
    """Fill in every pending entry's value with one SymPy parse for all of them."""
    pending = [entry for entry in entries if entry.value is None]
    if not pending:
        return
    if sum(len(entry.source) for entry in pending) > MAX_EXPRESSION_LENGTH:
        raise AnswerFormatError(
            f"The expressions are too long (over {MAX_EXPRESSION_LENGTH} characters in all); "
            "type plain numbers or shorter expressions."
        )
    trees = _sympy_parser()("(" + ", ".join(entry.code for entry in pending) + ",)")
    for entry, tree in zip(pending, trees, strict=True):
        try:
            entry.value = _value_of(tree)
        except _Undefined as why:
            raise AnswerFormatError(f"Cannot evaluate '{_clip(entry.source)}': {why}.") from None


# ----------------------------------------------------------------------------- reading


def _read(text: str) -> tuple[Answer, bool]:
    """The answer in `text`, and whether it used `log` (read as ln)."""
    if not isinstance(text, str):
        raise AnswerFormatError("The answer must be text.")
    if len(text) > MAX_LENGTH:
        raise AnswerFormatError(f"The answer is too long (over {MAX_LENGTH} characters).")
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise AnswerFormatError(f"The number {_clip(text.strip())} is too large to check.")
        return value, False
    text = text.translate(_TYPOGRAPHY)
    shaped = _Reader(text, _lex(text)).read()
    entries = _entries_of(shaped)
    _evaluate(entries)
    for entry in entries:  # both paths refuse infinity and nan; this keeps it so
        assert entry.value is not None
        if not math.isfinite(entry.value):
            raise AnswerFormatError(f"Cannot evaluate '{_clip(entry.source)}': {_TOO_LARGE}.")
    return _values_of(shaped), any(entry.uses_log for entry in entries)


def parse_answer(text: str) -> Answer:
    """A number, vector or matrix of floats read from `text`; AnswerFormatError says why not.

    >>> parse_answer("1/(1+e^-2)")  # doctest: +ELLIPSIS
    0.8807...
    >>> parse_answer("[[1, 2], [3, 4]]") == parse_answer("1, 2; 3, 4")
    True
    """
    try:
        return _read(text)[0]
    except AnswerFormatError:
        raise
    except Exception as failure:  # a parser or recursion failure deep inside: still unreadable
        raise AnswerFormatError(UNREADABLE) from failure


# ---------------------------------------------------------------------------- checking


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


def _describe(shape: tuple[int, ...]) -> str:
    squeezed = _squeezed(shape)
    if not squeezed:
        return "a single number"
    if len(squeezed) == 1:
        return f"{squeezed[0]} numbers"
    return f"a {squeezed[0]}×{squeezed[1]} matrix"


def _shape_feedback(given: Any, expected: Any) -> str:
    given_shape, expected_shape = _shape(given), _shape(expected)
    if given_shape is None or expected_shape is None:
        return "The answer does not have the shape of the expected one."
    want, got = _squeezed(expected_shape), _squeezed(given_shape)
    if len(want) == 1 and len(got) == 1:
        message = f"Expected {want[0]} numbers, got {got[0]}."
    else:
        message = f"Expected {_describe(expected_shape)}, got {_describe(given_shape)}."
    if not want and got:
        message += " (Commas separate vector entries; write decimals with a point.)"
    elif len(want) == 2 and len(got) < 2:
        message += " Separate the rows of a matrix with ';', as in 1, 2; 3, 4."
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


def _feedback(given: Answer, expected: Answer, problem: Problem) -> str:
    """Why a readable answer is wrong, as specifically as we can tell."""
    tolerance = problem.tolerance
    for slip in problem.slips:
        if within_tolerance(given, slip.value, tolerance):
            return slip.feedback
    expected_shape = _shape(expected) or ()
    if len(_squeezed(expected_shape)) == 2 and within_tolerance(
        given, _transpose(expected), tolerance
    ):
        return "You gave the transpose: rows and columns are swapped."
    pairs = _pairs(given, expected)
    if pairs is None:
        return _shape_feedback(given, expected)
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

    Unreadable input is not graded: its verdict says what could not be read. A wrong
    answer's message names the likeliest mistake (a known slip of the problem, a transpose,
    log base 10, a flipped sign, a shape mismatch) and then states the expected answer.
    """
    expected: Answer = _plain(problem.answer)
    try:
        given, uses_log = _read(text)
    except AnswerFormatError as failure:
        return Verdict("unreadable", str(failure) or UNREADABLE, None, expected)
    except Exception:  # a parser or recursion failure deep inside: unreadable, not a crash
        return Verdict("unreadable", UNREADABLE, None, expected)
    note = f" Note: {LOG_NOTE}" if uses_log else ""
    if within_tolerance(given, expected, problem.tolerance):
        return Verdict("correct", "Correct." + note, given, expected)
    feedback = _feedback(given, expected, problem)
    message = f"{feedback} The answer is {_stated(expected, problem.tolerance)}.{note}"
    return Verdict("wrong", message, given, expected)
