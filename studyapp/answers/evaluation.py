"""Pass 3 of reading: the value of every entry the fast path left pending.

The vetted entries go to SymPy's `parse_expr` with automatic evaluation off, and
`_value_of` evaluates the unevaluated tree in floats, catching overflow, division by zero
and logarithms of non-positive numbers where they happen. So `9^9^9` overflows a float in
microseconds instead of asking SymPy for an integer with 370 million digits. SymPy is
imported for the first expression, not with this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from studyapp.answers.errors import TOO_LARGE, AnswerFormatError, clip
from studyapp.answers.parsing import FUNCTIONS, Entry

MAX_EXPRESSION_LENGTH = 300
"""Most characters of expressions (entries other than plain numbers and fractions) in one
answer. SymPy's parse costs about 10 µs a token, so this keeps the worst case near 3 ms;
a softmax typed as e^1/(e^1+e^2+e^3), … takes about 60."""

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


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        raise _Undefined("division by zero")
    if base < 0 and not exponent.is_integer():
        raise _Undefined("a negative number to a fractional power has no real value")
    try:
        return math.pow(base, exponent)
    except OverflowError:
        raise _Undefined(TOO_LARGE) from None


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise _Undefined(TOO_LARGE) from None


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


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def _normal_cdf(x: float) -> float:
    """Φ, the standard normal CDF: 0.5·(1 + erf(x/√2))."""
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


_FUNCTION_VALUES: dict[str, Callable[[float], float]] = {
    "exp": _exp,
    "ln": _logarithm(math.log),
    "log": _logarithm(math.log),
    "log10": _logarithm(math.log10),
    "sqrt": _sqrt,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "erf": math.erf,
    "phi": _normal_cdf,
    "cos": math.cos,
    "sin": math.sin,
    "abs": abs,
}

_MULTI_VALUES: dict[str, Callable[..., float]] = {"max": max, "min": min}


def _value_of(node: Any) -> float:
    """Evaluate an unevaluated SymPy tree in float64, refusing every non-finite step."""
    if node.is_Number or node.is_NumberSymbol:
        try:
            value = float(node)
        except OverflowError:
            raise _Undefined(TOO_LARGE) from None
    elif node.is_Add:
        value = sum(_value_of(arg) for arg in node.args)
    elif node.is_Mul:
        value = math.prod(_value_of(arg) for arg in node.args)
    elif node.is_Pow:
        base, exponent = node.args
        value = _power(_value_of(base), _value_of(exponent))
    elif type(node).__name__ in _FUNCTION_VALUES and len(node.args) == 1:
        value = _FUNCTION_VALUES[type(node).__name__](_value_of(node.args[0]))
    elif type(node).__name__ in _MULTI_VALUES and len(node.args) >= 2:
        value = _MULTI_VALUES[type(node).__name__](*(_value_of(arg) for arg in node.args))
    else:
        raise _Undefined(f"'{node}' is not something this reader evaluates")
    if math.isnan(value):
        raise _Undefined("the value is not a number (nan)")
    if math.isinf(value):
        raise _Undefined(TOO_LARGE)
    return value


def evaluate(entries: list[Entry]) -> None:
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
            raise AnswerFormatError(f"Cannot evaluate '{clip(entry.source)}': {why}.") from None
