"""Reading and grading typed answers: every accepted form, every refusal, every feedback.

Expected values are worked out here with `math` (or by hand), never by calling the
reader on a second string.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import pytest

from studyapp.answers import (
    LOG_NOTE,
    MAX_EXPRESSION_LENGTH,
    MAX_LENGTH,
    AnswerFormatError,
    Verdict,
    check_answer,
    evaluation,
    parse_answer,
    warm_up,
    within_tolerance,
)
from studyapp.drills.base import EXACT, Answer, Problem, Slip, Tolerance

DEFAULT = Tolerance(rel=0.01, abs=0.001)


def problem(
    answer: Answer,
    tolerance: Tolerance = DEFAULT,
    prompt: str = "Compute it.",
    slips: tuple[Slip, ...] = (),
    topic: str = "hand_made",
) -> Problem:
    return Problem(
        topic=topic,
        seed=0,
        difficulty=1,
        prompt=prompt,
        inputs={},
        answer=answer,
        tolerance=tolerance,
        steps=("first step",),
        slips=slips,
    )


@pytest.fixture(scope="module", autouse=True)
def sympy_warm() -> None:
    warm_up()


# ------------------------------------------------------------------------- accepted forms

SCALARS = [
    ("3", 3.0),
    ("-7", -7.0),
    ("+2", 2.0),
    ("0.25", 0.25),
    (".5", 0.5),
    ("-0.25", -0.25),
    ("-.5", -0.5),
    ("5.", 5.0),
    ("1e-3", 0.001),
    ("2.5E4", 25000.0),
    ("3e+2", 300.0),
    ("  42  ", 42.0),
    ("3/4", 0.75),
    ("-3/4", -0.75),
    ("1/3", 1 / 3),
    ("e", math.e),
    ("pi", math.pi),
    ("PI", math.pi),
    ("π", math.pi),
    ("2π", 2 * math.pi),
    ("e^2", math.e**2),
    ("e**2", math.e**2),
    ("e^-1", 1 / math.e),
    ("exp(2)", math.exp(2)),
    ("exp(-0.5)", math.exp(-0.5)),
    ("ln(2)", math.log(2)),
    ("Ln(e)", 1.0),
    ("log(2)", math.log(2)),
    ("log10(1000)", 3.0),
    ("sqrt(2)", math.sqrt(2)),
    ("2^10", 1024.0),
    ("2**10", 1024.0),
    ("2^3^2", 2.0**9),  # right-associative
    ("-2^2", -4.0),  # power binds tighter than unary minus
    ("2^-1", 0.5),
    ("(-2)^2", 4.0),
    ("(-8)^3", -512.0),
    ("2pi", 2 * math.pi),
    ("2 pi", 2 * math.pi),
    ("2e", 2 * math.e),  # a bare e after a number is Euler's number ...
    ("2e1", 20.0),  # ... but e followed by digits is scientific notation
    ("2(3+1)", 8.0),
    ("(1+2)(3+4)", 21.0),
    ("3sqrt(2)", 3 * math.sqrt(2)),
    ("2 exp(1)", 2 * math.e),
    ("−1", -1.0),  # Unicode minus
    ("2 − 3", -1.0),
    ("2×3", 6.0),
    ("2·3", 6.0),
    ("6÷4", 1.5),
    ("3²", 9.0),
    ("(1+2)", 3.0),
    ("((((7))))", 7.0),
    ("--5", 5.0),
    ("1/(1+e^-2)", 1 / (1 + math.exp(-2))),
    ("1/(1+exp(-2))", 1 / (1 + math.exp(-2))),
    ("-ln(0.2312)", -math.log(0.2312)),
    ("e^(-2)*pi", math.exp(-2) * math.pi),
    ("e^(-2pi)", math.exp(-2 * math.pi)),
    ("1/(2pi)", 1 / (2 * math.pi)),
    ("(1/2)pi", math.pi / 2),
    ("e^(2)pi", math.e**2 * math.pi),  # a parenthesised exponent is not ambiguous
    ("1/sqrt(2pi)", 1 / math.sqrt(2 * math.pi)),
    ("2pi/3", 2 * math.pi / 3),
    ("(1+1)pi", 2 * math.pi),
    ("pi sqrt(2)", math.pi * math.sqrt(2)),
    ("2/(3+1)^2", 2 / 16),
    ("0.5*(1-0.5)", 0.25),
    ("1e-400", 0.0),  # underflows quietly to zero, like float()
    ("2\u00a0+\u00a03", 5.0),  # pasted no-break spaces
    ("007+1", 8.0),  # leading zeros (Python's own tokenizer would split 007)
    ("010/4", 2.5),
    ("0.50*2", 1.0),
    ("1e3+1", 1001.0),
    ("2.0^3", 8.0),
    # issue 12: the rest of the answer language
    ("tanh(0.5)", math.tanh(0.5)),
    ("sigmoid(2)", 1 / (1 + math.exp(-2))),
    ("σ(2)", 1 / (1 + math.exp(-2))),
    ("sigmoid(-800)", 0.0),  # no overflow on the way
    ("sigmoid(800)", 1.0),
    ("erf(1)", math.erf(1)),
    ("Φ(1.96)", 0.5 * (1 + math.erf(1.96 / math.sqrt(2)))),
    ("Phi(0)", 0.5),
    ("cos(pi)", -1.0),
    ("sin(pi/2)", 1.0),
    ("2cos(0)", 2.0),
    ("abs(-3)", 3.0),
    ("abs(2-5)^2", 9.0),
    ("max(1, 2)", 2.0),
    ("max(1, -2, 3.5)", 3.5),
    ("min(1, -2, 3.5)", -2.0),
    ("max(0, 1-0.25)", 0.75),
    ("max(sqrt(2), min(3, 4))", 3.0),
    ("2max(1, 2)", 4.0),
    ("√2", math.sqrt(2)),
    ("√(2)", math.sqrt(2)),
    ("√ 2", math.sqrt(2)),
    ("1/√2", 1 / math.sqrt(2)),
    ("2√3", 2 * math.sqrt(3)),
    ("√pi", math.sqrt(math.pi)),
    ("√(2pi)", math.sqrt(2 * math.pi)),
    ("½", 0.5),
    ("½pi", math.pi / 2),
    ("e^½", math.sqrt(math.e)),
    ("3×½", 1.5),
]


@pytest.mark.parametrize(("text", "value"), SCALARS)
def test_scalar_forms(text: str, value: float) -> None:
    got = parse_answer(text)
    assert isinstance(got, float)
    assert got == pytest.approx(value, rel=1e-12, abs=1e-300)


def test_the_sigmoid_example_of_the_brief() -> None:
    # 1 / (1 + e^-2) = 1 / 1.135335... = 0.880797...
    assert parse_answer("1/(1+e^-2)") == pytest.approx(0.8807970779778823, rel=1e-15)


VECTORS = [
    "1, 2, 3",
    "1,2,3",
    "[1, 2, 3]",
    "(1, 2, 3)",
    " [ 1 , 2 , 3 ] ",
    "1, 4/2, sqrt(9)",
    "[1, 2(1), 3]",
    "ln(e), 2, 3e0",
]


@pytest.mark.parametrize("text", VECTORS)
def test_vector_forms(text: str) -> None:
    assert parse_answer(text) == [1.0, 2.0, 3.0]


MATRICES = [
    "1, 2; 3, 4",
    "1,2;3,4",
    "[[1, 2], [3, 4]]",
    "[1, 2; 3, 4]",
    "[[1, 2]; [3, 4]]",  # the way studyapp.drills.base.mat prints a matrix
    "[1, 2], [3, 4]",
    "[1, 2]; [3, 4]",
    "((1, 2), (3, 4))",
    "(1, 2; 3, 4)",
    "1, 2^1; sqrt(9), 2*2",
]


@pytest.mark.parametrize("text", MATRICES)
def test_matrix_forms(text: str) -> None:
    assert parse_answer(text) == [[1.0, 2.0], [3.0, 4.0]]


def test_singletons_and_columns_keep_their_written_shape() -> None:
    assert parse_answer("(5)") == 5.0
    assert parse_answer("[5]") == [5.0]
    assert parse_answer("[[5]]") == [[5.0]]
    assert parse_answer("[[1, 2]]") == [[1.0, 2.0]]
    assert parse_answer("1; 2; 3") == [[1.0], [2.0], [3.0]]


def test_vector_with_expressions_is_read_entry_by_entry() -> None:
    got = parse_answer("e^1/(e^1+e^2), e^2/(e^1+e^2)")
    total = math.e + math.e**2
    assert got == pytest.approx([math.e / total, math.e**2 / total], rel=1e-12)


# -------------------------------------------------------------------------------- refusals

REFUSALS = [
    ("", "Type an answer"),
    ("   ", "Type an answer"),
    ("x", "Unknown name 'x'"),
    ("2x", "Unknown name 'x'"),
    ("tan(1)", "Unknown name 'tan'"),
    ("max(1)", "max needs at least two arguments"),
    ("min(2)", "min needs at least two arguments"),
    ("max 1, 2", "max needs its argument in parentheses"),
    ("max(1; 2)", "cannot stand inside"),
    ("abs(1, 2)", "cannot stand inside"),
    ("max((1, 2))", "cannot stand inside"),
    ("√", "sqrt needs its argument"),
    ("√-2", "sqrt needs its argument"),
    ("√x", "sqrt needs its argument"),
    ("cosh(1)", "Unknown name 'cosh'"),
    ("nan", "Unknown name 'nan'"),
    ("inf", "Unknown name 'inf'"),
    ("0x10", "Unknown name"),
    ("1_000", "Unknown name"),
    ("__import__", "Unknown name '__import__'"),
    ("__import__('os')", "character"),
    ("os.system('ls')", "character '.'"),
    ("lambda: 1", "character ':'"),
    ("'1'", "character"),
    ('"1"', "character"),
    ("a.b", "character '.'"),
    ("2 + #", "character '#'"),
    ("1\x00", "character '\\x00'"),
    ("99999999999999!", "factorial"),
    ("5%", "percent"),
    ("x = 3", "without '='"),
    ("{1, 2}", "{ }"),
    ("1 2", "Two numbers in a row"),
    ("1.2.3", "Two numbers in a row"),
    ("(2)3", "A number right after ')'"),
    ("pi 2", "A number right after 'pi'"),
    ("2+", "ends with '+'"),
    ("*2", "starts with '*'"),
    ("2*/3", "nothing on its left"),
    ("2^^3", "nothing on its left"),
    ("()", "empty pair of parentheses"),
    ("[]", "empty pair of brackets"),
    ("(2+)", "missing"),
    ("sqrt 2", "sqrt needs its argument in parentheses"),
    ("exp", "exp needs its argument in parentheses"),
    ("ln(2, 3)", "cannot stand inside"),
    ("2*(1, 2)", "cannot stand inside"),
    ("2[1, 2]", "Square brackets"),
    ("(1", "never closed"),
    ("1)", "without a matching"),
    ("[1, 2)", "closed by ')'"),
    ("(" * 25 + "1" + ")" * 25, "nested too deeply"),
    ("1,,2", "empty"),
    ("1, 2,", "empty"),
    ("1, 2;", "empty"),
    ("1, 2; 3", "different lengths (2, 1"),
    ("[1, 2], [3]", "different lengths (2, 1"),
    ("[[1, 2], [3, 4, 5]]", "different lengths (2, 3"),
    ("[1, [2, 3]]", "Some entries are numbers"),
    ("[[[1]]]", "at most two levels"),
    ("[[1, 2]], [[3, 4]]", "at most two levels"),
    ("e^-2pi", "ambiguous"),
    ("2^3pi", "ambiguous"),
    ("e**2e", "ambiguous"),
    ("1/2pi", "whole divisor in parentheses"),
    ("1/2(3)", "whole divisor in parentheses"),
    ("1/pi sqrt(2)", "whole divisor in parentheses"),
    ("1/0", "division by zero"),
    ("3/(2-2)", "division by zero"),
    ("0^-1", "division by zero"),
    ("ln(0)", "positive number"),
    ("log(-1)", "positive number"),
    ("log10(0)", "positive number"),
    ("sqrt(-1)", "square root of a negative"),
    ("(-8)^(1/3)", "fractional power"),
    ("1e999", "too large"),
    ("-1e999", "too large"),
    ("9" * 400, "too large"),
    ("1e308*10", "too large"),
    ("exp(1000)", "too large"),
    ("1" * (MAX_LENGTH + 1), "too long"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSALS)
def test_refusals_say_why(text: str, reason: str) -> None:
    with pytest.raises(AnswerFormatError) as refused:
        parse_answer(text)
    assert reason in str(refused.value)


def test_max_and_min_keep_vectors_apart() -> None:
    assert parse_answer("max(1, 2), min(3, 4), 5") == [2.0, 3.0, 5.0]
    assert parse_answer("[max(0, -1), 2]; [3, abs(-4)]") == [[0.0, 2.0], [3.0, 4.0]]


def test_new_functions_are_in_the_unknown_name_message() -> None:
    with pytest.raises(AnswerFormatError) as refused:
        parse_answer("foo(1)")
    for name in ("tanh", "sigmoid", "σ", "erf", "Φ", "cos", "sin", "abs", "max", "min", "√"):
        assert name in str(refused.value), name


def test_a_refused_entry_is_named_in_the_message() -> None:
    with pytest.raises(AnswerFormatError, match=r"'ln\(-2\)'"):
        parse_answer("1, ln(-2), 3")


def test_long_numbers_are_clipped_in_messages() -> None:
    with pytest.raises(AnswerFormatError) as refused:
        parse_answer("9" * 400)
    assert len(str(refused.value)) < 120


HUGE = [
    "9^9^9",
    "10^10^10",
    "e^(e^(e^10))",
    "exp(exp(exp(10)))",
    "-(9^9^9)",
    "(9^9^9)/(9^9^9)",  # no cancelling: the numerator alone is already too large
    "99999^99999 - 99999^99999",
    "2^2^2^2^2^2^2^2",
    "10^308 * 10^308",
    "9^9^9, 1",
]


HANG_GUARD = 10.0
"""Seconds a huge value may take to be refused: a guard against computing it in full (SymPy
would build 9^9^9's 370 million digits for ever), not a budget. The speed of refusing is
the `refuse_huge` row of tests/bench/run.py."""


@pytest.mark.parametrize("text", HUGE)
def test_huge_values_are_refused_not_computed(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(AnswerFormatError, match="too large"):
        parse_answer(text)
    assert time.perf_counter() - start < HANG_GUARD, "computed in full instead of refused"


def test_a_long_expression_at_the_length_cap_is_read() -> None:
    """Its speed (10 ms budget) is the `check_answer_long` row of tests/bench/run.py."""
    text = "+".join(["1/(1+e^-2)"] * 27)
    assert len(text) <= MAX_EXPRESSION_LENGTH
    assert parse_answer(text) == pytest.approx(27 / (1 + math.exp(-2)), rel=1e-12)


def test_expressions_have_their_own_length_cap() -> None:
    with pytest.raises(AnswerFormatError, match="expressions are too long"):
        parse_answer(", ".join(["2pi^2"] * 80))
    # plain numbers are cheap, so they may fill the whole answer
    numbers = ", ".join(["0.1234"] * 120)
    assert MAX_EXPRESSION_LENGTH < len(numbers) <= MAX_LENGTH
    assert parse_answer(numbers) == [0.1234] * 120


# -------------------------------------------------------------------------------- checking


def test_correct_scalar() -> None:
    verdict = check_answer("1/(1+e^-2)", problem(0.8807970779778823))
    assert verdict == Verdict("correct", "Correct.", verdict.given, 0.8807970779778823)
    assert verdict.given == pytest.approx(0.8807970779778823)


def test_correct_vector_and_matrix() -> None:
    softmax_123 = [0.09003057, 0.24472847, 0.66524096]  # softmax([1, 2, 3]), by hand
    assert check_answer("0.09, 0.245, 0.665", problem(softmax_123)).outcome == "correct"
    # two decimals are too coarse for rel 1% + abs 0.001: |0.24 - 0.2447| > 0.0034, yet
    # every digit typed is right, so it is not graded: the message asks for more digits
    short = check_answer("0.09, 0.24, 0.67", problem(softmax_123))
    assert short.outcome == "unreadable" and "needs 3 — type more digits" in short.message
    assert check_answer("0.09, 0.23, 0.67", problem(softmax_123)).outcome == "wrong"
    assert check_answer("1, 2; 3, 4", problem([[1.0, 2.0], [3.0, 4.0]])).outcome == "correct"


def test_integer_answers_from_the_engine_are_fine() -> None:
    verdict = check_answer("14", problem(14, tolerance=EXACT))
    assert verdict.outcome == "correct"
    assert verdict.expected == 14.0


def test_unreadable_is_not_graded_and_says_why() -> None:
    verdict = check_answer("2 + x", problem(2.0))
    assert verdict.outcome == "unreadable"
    assert verdict.given is None
    assert "Unknown name 'x'" in verdict.message
    assert verdict.expected == 2.0


def test_log_is_read_as_ln_and_the_message_says_so() -> None:
    verdict = check_answer("-log(0.25)", problem(math.log(4)))
    assert verdict.outcome == "correct"
    assert LOG_NOTE in verdict.message
    assert LOG_NOTE not in check_answer("-ln(0.25)", problem(math.log(4))).message


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("0.5", [0.5]),
        ("[0.5]", 0.5),
        ("[[0.5]]", 0.5),
        ("0.5", [[0.5]]),
        ("1; 2; 3", [1.0, 2.0, 3.0]),  # a column for a vector
        ("[[1, 2, 3]]", [1.0, 2.0, 3.0]),  # a one-row matrix for a vector
        ("1, 2, 3", [[1.0], [2.0], [3.0]]),
    ],
)
def test_length_one_axes_do_not_matter(text: str, answer: Answer) -> None:
    assert check_answer(text, problem(answer)).outcome == "correct"


# ------------------------------------------------------------ format and shape slips (issue 12)
# A slip of format or shape is explained and never graded: outcome "unreadable", no given
# value, and the expected answer is not revealed.


def assert_slip(verdict: Verdict) -> None:
    assert verdict.outcome == "unreadable"
    assert verdict.given is None
    assert "The answer is" not in verdict.message


@pytest.mark.parametrize(("text", "point"), [("7,0", "7.0"), ("0,25", "0.25"), ("-3,5", "-3.5")])
def test_a_decimal_comma_for_a_scalar_is_a_slip(text: str, point: str) -> None:
    verdict = check_answer(text, problem(7.0))
    assert_slip(verdict)
    assert verdict.message == f"A decimal comma is not read: type {point} with a point."


def test_a_decimal_comma_is_not_guessed_for_a_two_entry_vector() -> None:
    assert check_answer("7,0", problem([7.0, 0.0])).outcome == "correct"
    assert check_answer("7,1", problem([7.0, 0.0])).outcome == "wrong"


def test_a_comma_with_a_space_for_a_scalar_is_a_shape_slip() -> None:
    verdict = check_answer("7, 0", problem(7.0))
    assert_slip(verdict)
    assert "This answer has 2 entries; the problem asks for a single number." in verdict.message
    assert "Read as [7, 0]" in verdict.message


def test_spaces_between_vector_entries_are_a_slip() -> None:
    verdict = check_answer("2.122 -1.781", problem([2.122, -1.781]))
    assert_slip(verdict)
    assert verdict.message == (
        "Entries separated by spaces only are not read: type [2.122, -1.781] with commas."
    )


def test_spaces_between_three_signed_entries_are_a_slip() -> None:
    verdict = check_answer(" -1  +2 3e-1 ", problem([1.0, 2.0, 3.0]))
    assert_slip(verdict)
    assert verdict.message == (
        "Entries separated by spaces only are not read: type [-1, +2, 3e-1] with commas."
    )


def test_spaces_with_the_wrong_count_say_both() -> None:
    verdict = check_answer("1 -2", problem([1.0, 2.0, 3.0]))
    assert_slip(verdict)
    assert verdict.message.startswith(
        "Entries separated by spaces only are not read: type [1, -2] with commas."
    )
    assert "This answer has 2 entries; the problem asks for 3." in verdict.message


def test_a_spaced_subtraction_for_a_scalar_is_still_arithmetic() -> None:
    assert check_answer("2 -1", problem(1.0)).outcome == "correct"
    assert check_answer("2 - 1", problem([1.0, 0.0])).outcome == "unreadable"


def test_wrong_length_vector_is_a_slip_with_the_counts() -> None:
    verdict = check_answer("0.2, 0.8, 0.1", problem([0.2312, 0.6285, 0.1402, 0.0]))
    assert_slip(verdict)
    assert verdict.message.startswith("This answer has 3 entries; the problem asks for 4.")
    assert "Read as [0.2, 0.8, 0.1]" in verdict.message


def test_a_scalar_for_a_vector_is_a_slip() -> None:
    verdict = check_answer("0.5", problem([0.5, 0.5]))
    assert_slip(verdict)
    assert "This answer is a single number; the problem asks for 2 entries." in verdict.message


def test_flat_numbers_for_a_matrix_are_a_slip_with_a_hint() -> None:
    verdict = check_answer("1, 2, 3, 4", problem([[1.0, 2.0], [3.0, 4.0]]))
    assert_slip(verdict)
    assert "This answer has 4 entries; the problem asks for a 2×2 matrix." in verdict.message
    assert "';'" in verdict.message


def test_a_matrix_for_a_vector_is_a_slip() -> None:
    verdict = check_answer("1, 2; 3, 4", problem([1.0, 2.0, 3.0, 4.0]))
    assert_slip(verdict)
    assert "This answer is a 2×2 matrix; the problem asks for 4 entries." in verdict.message


def test_matrix_of_the_wrong_shape_is_a_slip() -> None:
    verdict = check_answer("1, 2; 3, 4", problem([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]))
    assert_slip(verdict)
    assert "This answer is a 2×2 matrix; the problem asks for a 2×3 matrix." in verdict.message


def test_a_transpose_is_still_graded_wrong() -> None:
    verdict = check_answer("1, 4; 2, 5; 3, 6", problem([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert verdict.outcome == "wrong"


def test_wrong_answer_states_the_expected_one() -> None:
    verdict = check_answer("0.5", problem(0.8807970779778823))
    assert verdict.outcome == "wrong"
    assert verdict.message == "Not quite. The answer is 0.8808."


def test_slip_feedback_comes_first() -> None:
    # Dropout with p = 0.5: forgetting the 1/(1 - p) rescaling gives mask * h.
    slip = Slip(value=[0.4, 0.0, 1.2], feedback="You forgot to divide by 1 - p.")
    p = problem([0.8, 0.0, 2.4], slips=(slip,))
    verdict = check_answer("0.4, 0, 1.2", p)
    assert verdict.outcome == "wrong"
    assert verdict.message.startswith("You forgot to divide by 1 - p.")
    assert "The answer is [0.8, 0, 2.4]." in verdict.message


def test_slip_matches_within_the_problem_tolerance_only() -> None:
    slip = Slip(value=1.0, feedback="That is the slip.")
    p = problem(2.0, tolerance=Tolerance(rel=0.0, abs=0.01), slips=(slip,))
    assert check_answer("1.009", p).message.startswith("That is the slip.")
    assert not check_answer("1.02", p).message.startswith("That is the slip.")


def test_a_correct_answer_wins_over_a_slip_with_the_same_value() -> None:
    slip = Slip(value=2.0, feedback="slip")
    assert check_answer("2", problem(2.0, slips=(slip,))).outcome == "correct"


def test_slip_may_be_a_scalar_for_a_vector_answer_shape() -> None:
    slip = Slip(value=[[3.0]], feedback="Summed instead of averaged.")
    verdict = check_answer("3", problem(1.0, slips=(slip,)))
    assert verdict.message.startswith("Summed instead of averaged.")


def test_transpose_of_a_rectangular_matrix() -> None:
    verdict = check_answer("1, 4; 2, 5; 3, 6", problem([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert verdict.outcome == "wrong"
    assert verdict.message.startswith("You gave the transpose")
    assert "The answer is [[1, 2, 3]; [4, 5, 6]]." in verdict.message


def test_transpose_of_a_square_matrix() -> None:
    verdict = check_answer("[[1, 3], [2, 4]]", problem([[1.0, 2.0], [3.0, 4.0]]))
    assert verdict.message.startswith("You gave the transpose")


def test_no_transpose_talk_for_vectors() -> None:
    verdict = check_answer("1, 2, 4", problem([1.0, 2.0, 3.0]))
    assert "transpose" not in verdict.message


def test_log_base_ten_instead_of_ln_when_the_prompt_is_about_a_log() -> None:
    loss = -math.log(0.2)  # 1.6094
    given = -math.log10(0.2)  # 0.6990 = loss / ln 10
    p = problem(loss, prompt="Compute the cross-entropy loss -log p for p = 0.2.")
    verdict = check_answer(f"{given:.4f}", p)
    assert verdict.outcome == "wrong"
    assert "log base 10" in verdict.message
    assert "2.3026" in verdict.message


def test_log_base_ten_is_recognised_from_the_topic_too() -> None:
    p = problem(-math.log(0.2), prompt="p = 0.2, target 1.", topic="softmax_cross_entropy")
    assert "log base 10" in check_answer("0.699", p).message


def test_no_log_base_talk_when_the_prompt_has_no_log() -> None:
    p = problem(-math.log(0.2), prompt="Compute the derivative of the logistic function.")
    verdict = check_answer("0.699", p)
    assert "log base" not in verdict.message
    assert verdict.message.startswith("Not quite.")


def test_flipped_sign() -> None:
    verdict = check_answer("-0.35", problem(0.35))
    assert verdict.message.startswith("The sign is flipped.")
    vector = check_answer("0.1, 0.2", problem([-0.1, -0.2]))
    assert vector.message.startswith("The sign is flipped.")


def test_some_signs_flipped_in_a_vector() -> None:
    verdict = check_answer("0.1, 0.2, 0.3", problem([0.1, -0.2, 0.3]))
    assert verdict.message.startswith("The sizes are right but some signs are not: Entry [1].")


def test_off_entries_are_named() -> None:
    vector = check_answer("0.1, 0.3, 0.7, 0.9", problem([0.1, 0.2, 0.7, 0.8]))
    assert vector.message.startswith("Entries [1] and [3] are not within tolerance.")
    matrix = check_answer("1, 2; 3, 5", problem([[1.0, 2.0], [3.0, 4.0]]))
    assert matrix.message.startswith("Entry [1, 1] is not within tolerance.")


# ------------------------------------------------------------------------------ tolerance


def test_tolerance_edge_is_inclusive() -> None:
    tolerance = Tolerance(rel=0.01, abs=0.001)
    # expected 1: the band is 0.001 + 0.01 * 1 = 0.011 either side
    assert within_tolerance(1.011, 1.0, tolerance)
    assert within_tolerance(0.989, 1.0, tolerance)
    assert not within_tolerance(1.0111, 1.0, tolerance)
    assert not within_tolerance(0.9889, 1.0, tolerance)


def test_absolute_tolerance_decides_near_zero() -> None:
    tolerance = Tolerance(rel=0.01, abs=0.001)
    assert within_tolerance(0.001, 0.0, tolerance)
    assert within_tolerance(-0.001, 0.0, tolerance)
    assert not within_tolerance(0.0011, 0.0, tolerance)


def test_typed_boundary_value_is_not_lost_to_binary_rounding() -> None:
    # 0.101 - 0.1 is 0.0010000000000000009 in binary floating point.
    assert within_tolerance(0.101, 0.1, Tolerance(rel=0.0, abs=0.001))
    assert not within_tolerance(0.1011, 0.1, Tolerance(rel=0.0, abs=0.001))


def test_relative_tolerance_uses_the_expected_value() -> None:
    tolerance = Tolerance(rel=0.1, abs=0.0)
    assert within_tolerance(110.0, 100.0, tolerance)  # |10| <= 0.1 * 100
    assert not within_tolerance(111.0, 100.0, tolerance)


def test_exact_tolerance_for_integers() -> None:
    assert within_tolerance(14.0, 14, EXACT)
    assert not within_tolerance(14.001, 14, EXACT)


def test_tolerance_is_elementwise() -> None:
    tolerance = Tolerance(rel=0.0, abs=0.01)
    assert within_tolerance([1.0, 2.005], [1.0, 2.0], tolerance)
    assert not within_tolerance([1.02, 2.0], [1.0, 2.0], tolerance)
    assert not within_tolerance([1.0, 2.0], [1.0, 2.0, 3.0], tolerance)
    assert not within_tolerance([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0, 3.0, 4.0], tolerance)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (math.inf, 1.0),
        (-math.inf, -1.0),
        (math.nan, 1.0),
        (1.0, math.inf),
        (math.inf, math.inf),
        (math.nan, math.nan),
        ([0.1, math.inf], [0.1, 0.2]),
    ],
)
def test_non_finite_values_are_never_within_tolerance(given: Answer, expected: Answer) -> None:
    assert not within_tolerance(given, expected, Tolerance(rel=0.5, abs=1.0))


def test_within_tolerance_accepts_arrays_and_tuples() -> None:
    np = pytest.importorskip("numpy")
    assert within_tolerance((1.0, 2.0), np.array([1.0, 2.0]), EXACT)
    assert within_tolerance(np.float64(0.5), 0.5, EXACT)


# -------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("text", [None, 3, b"1", ["1"]])
def test_check_answer_never_raises_even_for_non_text(text: object) -> None:
    verdict = check_answer(text, problem(1.0))  # type: ignore[arg-type]
    assert verdict.outcome == "unreadable"
    assert verdict.message


def test_plain_number_answers_never_reach_sympy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path: numbers and simple fractions, right or wrong (the wrong verdict states
    the expected answer, read back too), are valued without SymPy. Its speed (under 1 ms)
    is the `check_answer_fast` row of tests/bench/run.py."""

    def no_sympy() -> None:
        raise AssertionError("SymPy was asked to parse a plain-number answer")

    monkeypatch.setattr(evaluation, "_sympy_parser", no_sympy)
    p = problem([0.0900, 0.2447, 0.6652])
    assert check_answer("0.09, 0.23, 0.67", p).outcome == "wrong"
    assert check_answer("0.09, 0.2447, 2/3", p).outcome == "correct"
    assert check_answer("-1/2", problem(-0.5)).outcome == "correct"


def test_importing_answers_loads_neither_sympy_nor_numpy() -> None:
    code = "import json, sys; import studyapp.answers; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert "sympy" not in loaded
    assert "numpy" not in loaded


# ------------------------------------------------------------- against the registered drills


@pytest.fixture(scope="module")
def drill_problems() -> list[Problem]:
    from studyapp.drills.registry import make_problem, registry

    return [
        make_problem(topic_id, seed, difficulty)
        for topic_id in registry()
        for seed in (0, 1)
        for difficulty in (1, 2, 3)
    ]


def test_every_drill_answer_and_its_stated_form_are_accepted(
    drill_problems: list[Problem],
) -> None:
    """The engine's answer typed at full precision is correct, and so is the expected
    answer as a wrong verdict states it (it may need more than show()'s 4 digits)."""
    for p in drill_problems:
        assert check_answer(json.dumps(p.answer), p).outcome == "correct", p.topic
        wrong = check_answer(overflowing(p.answer, "1e300"), p)
        assert wrong.outcome == "wrong", (p.topic, wrong)
        stated = wrong.message.rsplit("The answer is ", 1)[1].rstrip(".")
        assert check_answer(stated, p).outcome == "correct", (p.topic, stated)


def overflowing(answer: Answer, entry: str) -> str:
    """`entry` in every place of `answer`, so the typed answer has the right shape."""
    if isinstance(answer, list):
        return "[" + ", ".join(overflowing(item, entry) for item in answer) + "]"
    return entry


@pytest.mark.parametrize("entry", ["1/1e-320", "-1/1e-320", "1e308*10", "1e308+1e308"])
def test_an_overflowing_answer_is_unreadable_in_every_drill(
    drill_problems: list[Problem], entry: str
) -> None:
    """Infinity is no number: before, 1/1e-320 in every place was graded right everywhere,
    because the slack of the closeness check grew infinite with the given value."""
    for p in drill_problems:
        verdict = check_answer(overflowing(p.answer, entry), p)
        assert verdict.outcome == "unreadable", (p.topic, verdict)
        assert "too large" in verdict.message and verdict.given is None, (p.topic, verdict)


def _spelled_out(value: object) -> str:
    """A slip's value typed with 13 significant digits: a short value such as -0.4 could
    also be the answer cut short (not graded), but -4.000000000000e-01 cannot."""
    if isinstance(value, list):
        return "[" + ", ".join(_spelled_out(v) for v in value) + "]"
    assert isinstance(value, float | int)
    return f"{value:.12e}"


def test_every_drill_slip_gets_its_feedback(drill_problems: list[Problem]) -> None:
    for p in drill_problems:
        for slip in p.slips:
            verdict = check_answer(_spelled_out(slip.value), p)
            if within_tolerance(slip.value, p.answer, p.tolerance):
                continue  # a slip that happens to equal the answer for this draw
            assert verdict.outcome == "wrong", (p.topic, slip)
            assert any(verdict.message.startswith(s.feedback) for s in p.slips), (p.topic, slip)
