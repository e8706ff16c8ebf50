"""A slip may carry its own tolerance (issue 13, item 5).

An unfloored convolution size is a repeating decimal (14.333…) while the answer is a whole
number checked exactly: matched at the answer's tolerance, the "forgot to floor" slip could
never be named for what a learner types (14.33). A slip's own tolerance is used wherever
slips are matched: the one-line checker, the slip id, a slip of another shape, the step
grader, and the filter that keeps slips apart.
"""

from __future__ import annotations

from studyapp.answers import check_answer
from studyapp.answers.steps import grade_steps
from studyapp.drills.base import EXACT, Answer, Checkpoint, Problem, Slip, Tolerance, distinct_slips
from studyapp.drills.registry import make_problem

LOOSE = Tolerance(rel=0.0, abs=0.1)


def problem(
    answer: Answer,
    slips: tuple[Slip, ...],
    tolerance: Tolerance = EXACT,
    checkpoints: tuple[Checkpoint, ...] = (),
) -> Problem:
    return Problem(
        topic="hand_made",
        seed=0,
        difficulty=2,
        prompt="How many positions? A whole number.",
        inputs={},
        answer=answer,
        tolerance=tolerance,
        steps=("first step",),
        slips=slips,
        checkpoints=checkpoints or (Checkpoint("answer", "Answer", answer, lambda e: answer),),
    )


UNFLOORED = Slip(15.0 + 1.0 / 3.0, "Round the quotient down.", "conv.forgot_floor", LOOSE)


def test_a_slip_is_matched_at_its_own_tolerance() -> None:
    verdict = check_answer("15.33", problem(15, (UNFLOORED,)))
    assert verdict.outcome == "wrong"
    assert verdict.feedback == "Round the quotient down."
    assert verdict.slip == "conv.forgot_floor"


def test_outside_its_own_tolerance_a_slip_is_not_named() -> None:
    verdict = check_answer("15.5", problem(15, (UNFLOORED,)))
    assert verdict.outcome == "wrong"
    assert verdict.slip == ""


def test_a_slip_without_a_tolerance_uses_the_problems() -> None:
    plain = Slip(15.0 + 1.0 / 3.0, "Round the quotient down.", "conv.forgot_floor")
    assert check_answer("15.33", problem(15, (plain,))).slip == ""
    assert check_answer("15.333333333333334", problem(15, (plain,))).slip == "conv.forgot_floor"


def test_the_exact_answer_is_still_required_for_right() -> None:
    for typed in ("15.0001", "14.9", "15.1"):
        assert check_answer(typed, problem(15, (UNFLOORED,))).outcome == "wrong", typed
    assert check_answer("15", problem(15, (UNFLOORED,))).outcome == "correct"


def test_a_slip_of_another_shape_is_matched_at_its_own_tolerance() -> None:
    column = Slip([[1.0 / 3.0], [2.0 / 3.0]], "Wrong way round.", "hand.made", LOOSE)
    verdict = check_answer("0.33, 0.67", problem([[1.0, 2.0]], (column,)))
    assert verdict.outcome == "wrong" and verdict.slip == "hand.made"


def test_a_step_slip_is_matched_at_its_own_tolerance() -> None:
    quotient = 14.0 + 1.0 / 3.0
    points = (
        Checkpoint(
            "strides",
            "⌊quotient⌋",
            14,
            lambda e: 14,
            (Slip(quotient, "Round down.", "conv.forgot_floor", LOOSE),),
            EXACT,
        ),
        Checkpoint("answer", "Answer", 15, lambda e: e["strides"] + 1),
    )
    verdict = grade_steps(problem(15, (), checkpoints=points), {"strides": "14.33"})
    assert verdict.steps[0].status == "wrong"
    assert verdict.steps[0].slip == "conv.forgot_floor"


def test_distinct_slips_keeps_slips_apart_at_their_own_tolerances() -> None:
    near = Slip(15.25, "Another slip.", "hand.other")
    kept = distinct_slips(15, [UNFLOORED, near], EXACT)
    assert [s.id for s in kept] == ["conv.forgot_floor"]  # 15.25 would be named 15.33's slip
    wide = Slip(15.05, "Too close to the answer.", "hand.wide", LOOSE)
    assert distinct_slips(15, [wide], EXACT) == []  # the answer itself would be within it


def test_make_problem_keeps_a_slips_tolerance() -> None:
    tolerances = {
        s.tolerance
        for seed in range(10)
        for s in make_problem("conv_output_size", seed, 2).slips
        if s.id == "conv.forgot_floor"
    }
    assert tolerances and None not in tolerances


def test_a_slip_that_reads_as_the_answer_cut_short_is_left_out() -> None:
    """The checker asks for more digits when 20 is typed for 20.333… (a padding-once slip that
    happens to be whole) before it looks at slips: such a slip would never be named."""
    quotient = Tolerance(rel=0.0, abs=0.01)
    cut = Slip(20.0, "Padding goes on both sides.", "conv.padding_once")
    assert distinct_slips(20.0 + 1.0 / 3.0, [cut], quotient) == []
    kept = Slip(20.5, "Padding goes on both sides.", "conv.padding_once")
    assert distinct_slips(20.0 + 1.0 / 3.0, [kept], quotient) == [kept]
    vector = Slip([-0.33, 0.5], "Not h but z.", "hand.made")
    assert distinct_slips([-0.33617, 0.5], [vector]) == []
    long = Slip([-0.3300001, 0.5], "Not h but z.", "hand.made")
    assert distinct_slips([-0.33617, 0.5], [long]) == [long]


def test_a_zero_in_a_slip_is_one_typed_digit_and_not_a_cut_answer() -> None:
    zero = Slip([0.0, 1.0], "Gate closed.", "hand.made")
    assert distinct_slips([0.04, 1.0], [zero], Tolerance(rel=0.0, abs=0.001)) == [zero]
