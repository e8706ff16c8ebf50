"""Hypothesis fuzzing of the answer reader: it never raises, never hangs, and reads right.

Random text, text stitched from the grammar's own tokens, and text stitched from
dangerous tokens all go through `check_answer`; each must come back within half a
second with a well-formed verdict. Expressions with a known value are generated together
with that value (computed here with `math`), so the reader is checked against an
independent evaluation rather than against itself.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.answers import (
    MAX_LENGTH,
    AnswerFormatError,
    check_answer,
    parse_answer,
    warm_up,
)
from studyapp.drills.base import Problem, Tolerance

HANG_GUARD = 5.0
"""Seconds one check may take: a guard against hangs (a parser asked for 9^9^9 in full),
not a budget. The budget, 10 ms, is the `check_answer` row of tests/bench/run.py."""

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PROBLEMS = [
    Problem("fuzz", 0, 1, "Compute the cross-entropy -log p.", {}, 0.5, Tolerance(), ("s",)),
    Problem("fuzz", 0, 1, "A vector.", {}, [0.1, -0.2, 0.3], Tolerance(), ("s",)),
    Problem("fuzz", 0, 1, "A matrix.", {}, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], Tolerance(), ("s",)),
]


def problem_of(answer: Any) -> Problem:
    return Problem("fuzz", 0, 1, "Compute it.", {}, answer, Tolerance(), ("s",))


GRAMMAR_TOKENS = [
    *"0123456789",
    ".", "e", "E", "pi", "π", "exp", "ln", "log", "log10", "sqrt",
    "tanh", "sigmoid", "σ", "erf", "Φ", "Phi", "cos", "sin", "abs", "max", "min", "√", "½",
    "+", "-", "−", "*", "**", "/", "^", "×", "·", "²",
    "(", ")", "[", "]", ",", ";", " ",
]  # fmt: skip

DANGEROUS_TOKENS = [
    "__import__", "os.system", "lambda", "'", '"', "9^9^9", "10^10^10", "e^(e^(e^10))",
    "99999999999999!", "9" * 300, "1e999", "1e-99999", "exec", "eval", "open", "__class__",
    ".__globals__", "Symbol", "Integer", "factorial", "\\", "\x00", "\n", "\t", "#", "{", "}",
    "=", ":", "@", "!", "%", "&", "|", "~", "`", "$", "(", ")", "[", "]", ",", ";", "-",
    "^", "**", "e", "2", "x", "nan", "inf", "oo", "I", "j",
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def sympy_warm() -> None:
    warm_up()


def shape_ok(value: Any) -> bool:
    """A finite float, a list of them, or a rectangular list of lists of them."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        return all(math.isfinite(v) for v in value)
    if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        widths = {len(r) for r in value}
        return len(widths) == 1 and all(shape_ok(r) for r in value)
    return False


def assert_well_behaved(text: str) -> None:
    for problem in PROBLEMS:
        start = time.perf_counter()
        verdict = check_answer(text, problem)
        elapsed = time.perf_counter() - start
        assert elapsed < HANG_GUARD, f"{text!r} hung: {elapsed:.3f} s"
        assert verdict.outcome in ("correct", "wrong", "unreadable")
        assert verdict.message
        if verdict.outcome == "unreadable":
            assert verdict.given is None
        else:
            assert shape_ok(verdict.given), verdict.given


@FUZZ
@given(st.text(max_size=MAX_LENGTH + 20))
def test_any_text(text: str) -> None:
    assert_well_behaved(text)


@FUZZ
@given(st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=60).map("".join))
def test_text_from_grammar_tokens(text: str) -> None:
    assert_well_behaved(text)


@FUZZ
@given(st.lists(st.sampled_from(DANGEROUS_TOKENS + GRAMMAR_TOKENS), max_size=40).map("".join))
def test_text_from_dangerous_tokens(text: str) -> None:
    assert_well_behaved(text)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=2, max_value=9), st.integers(min_value=2, max_value=60))
def test_power_towers_are_refused_fast(base: int, height: int) -> None:
    text = "^".join([str(base)] * height)
    assert_well_behaved(text[:MAX_LENGTH])


# --------------------------------------------------------------- reading with known values

finite = st.floats(allow_nan=False, allow_infinity=False)


@FUZZ
@given(finite)
def test_any_float_reads_back_exactly(x: float) -> None:
    assert parse_answer(repr(x)) == x


@FUZZ
@given(st.lists(finite, min_size=1, max_size=8))
def test_any_vector_reads_back_exactly(xs: list[float]) -> None:
    expected: Any = xs if len(xs) > 1 else xs[0]
    assert parse_answer(", ".join(map(repr, xs))) == expected
    assert parse_answer("[" + ", ".join(map(repr, xs)) + "]") == xs


@FUZZ
@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6))
def test_fractions(numerator: int, denominator: int) -> None:
    assert parse_answer(f"{numerator}/{denominator}") == numerator / denominator


@FUZZ
@given(finite, st.floats(min_value=0, exclude_min=True, allow_infinity=False))
def test_a_fraction_is_its_finite_quotient_or_refused_as_too_large(
    numerator: float, denominator: float
) -> None:
    """n/d overflows for a tiny d even when n and d are finite: never read as infinity."""
    text = f"{numerator!r}/{denominator!r}"
    quotient = numerator / denominator
    if math.isfinite(quotient):
        assert parse_answer(text) == quotient
    else:
        with pytest.raises(AnswerFormatError, match="too large"):
            parse_answer(text)


def leaves() -> st.SearchStrategy[tuple[str, float]]:
    small = st.integers(0, 20).map(lambda n: (str(n), float(n)))
    padded = st.integers(0, 20).map(lambda n: (f"{n:03d}", float(n)))  # leading zeros
    decimal = st.integers(0, 999).map(lambda n: (f"{n / 100}", n / 100))
    scientific = st.integers(1, 99).map(lambda n: (f"{n}e-2", n / 100))
    constant = st.sampled_from([("e", math.e), ("pi", math.pi), ("π", math.pi)])
    return st.one_of(small, padded, decimal, scientific, constant)


def combine(children: st.SearchStrategy[tuple[str, float]]) -> st.SearchStrategy[tuple[str, float]]:
    """One operation over already built (text, value) pairs, value computed with math."""

    def binary(op: str) -> st.SearchStrategy[tuple[str, float]]:
        def build(pair: tuple[tuple[str, float], tuple[str, float]]) -> tuple[str, float]:
            (a, x), (b, y) = pair
            value = {"+": x + y, "-": x - y, "*": x * y}[op]
            return f"({a}){op}({b})", value

        return st.tuples(children, children).map(build)

    def divide(pair: tuple[tuple[str, float], tuple[str, float]]) -> tuple[str, float]:
        (a, x), (b, y) = pair
        return f"({a})/(1+({b})^2)", x / (1 + y**2)

    return st.one_of(
        binary("+"),
        binary("-"),
        binary("*"),
        st.tuples(children, children).map(divide),
        children.map(lambda p: (f"-({p[0]})", -p[1])),
        children.map(lambda p: (f"2({p[0]})", 2 * p[1])),  # implicit multiplication
        children.map(lambda p: (f"({p[0]})pi", p[1] * math.pi)),
        children.map(lambda p: (f"e sqrt(({p[0]})^2)", math.e * abs(p[1]))),
        st.tuples(children, children).map(
            lambda pq: (f"({pq[0][0]})({pq[1][0]})", pq[0][1] * pq[1][1])
        ),
        children.map(lambda p: (f"sqrt(({p[0]})^2)", abs(p[1]))),
        children.map(lambda p: (f"ln(1+({p[0]})^2)", math.log(1 + p[1] ** 2))),
        children.map(lambda p: (f"1/(1+e^-({p[0]}))", 1 / (1 + math.exp(-p[1])))),
        # issue 12: the functions added to the answer language
        children.map(lambda p: (f"tanh({p[0]})", math.tanh(p[1]))),
        children.map(lambda p: (f"σ({p[0]})", 1 / (1 + math.exp(-p[1])))),
        children.map(lambda p: (f"sigmoid({p[0]})", 1 / (1 + math.exp(-p[1])))),
        children.map(lambda p: (f"erf({p[0]})", math.erf(p[1]))),
        children.map(lambda p: (f"Φ({p[0]})", 0.5 * (1 + math.erf(p[1] / math.sqrt(2))))),
        children.map(lambda p: (f"cos(tanh({p[0]}))", math.cos(math.tanh(p[1])))),
        children.map(lambda p: (f"sin(tanh({p[0]}))", math.sin(math.tanh(p[1])))),
        children.map(lambda p: (f"abs({p[0]})", abs(p[1]))),
        children.map(lambda p: (f"√(({p[0]})^2)", abs(p[1]))),
        st.tuples(children, children).map(
            lambda pq: (f"max({pq[0][0]}, {pq[1][0]})", max(pq[0][1], pq[1][1]))
        ),
        st.tuples(children, children, children).map(
            lambda pqr: (f"min({pqr[0][0]}, {pqr[1][0]}, {pqr[2][0]})", min(v for _, v in pqr))
        ),
    )


expressions = st.recursive(leaves(), combine, max_leaves=8).filter(
    lambda pair: len(pair[0]) <= MAX_LENGTH and math.isfinite(pair[1]) and abs(pair[1]) < 1e12
)


@FUZZ
@given(expressions)
def test_expressions_match_an_independent_evaluation(pair: tuple[str, float]) -> None:
    text, value = pair
    assert parse_answer(text) == pytest.approx(value, rel=1e-9, abs=1e-9)


@FUZZ
@given(st.lists(finite, min_size=2, max_size=8), st.integers(0, 2))
def test_vector_entries_separated_by_spaces_are_a_slip_never_a_grade(
    xs: list[float], extra: int
) -> None:
    """n numbers typed with spaces only, for a vector of n (or more) entries: explained, with
    the entries echoed in order, and never graded, whatever their signs."""
    entries = [repr(x) for x in xs]
    verdict = check_answer("  ".join(entries), problem_of([*xs, *[0.0] * extra]))
    assert verdict.outcome == "unreadable" and verdict.given is None
    assert verdict.message.startswith(
        f"Entries separated by spaces only are not read: type [{', '.join(entries)}] with commas."
    )
