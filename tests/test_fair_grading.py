"""Fair grading (issue 12): give-away functions are refused, and the digits a problem needs
are stated and asked for, never silently failed.

A give-away is a function that *is* the computation asked (typing `tanh(0.5)` back to a
problem that asks for tanh(0.5)); such input is refused unread, like any other slip. A
problem whose tolerance needs more than three significant digits says how many, and an
answer that is the expected one cut short ("0.0473" for 0.047351 at 0.1 %) is not graded.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from studyapp.answers import check_answer, warm_up, within_tolerance
from studyapp.drills import make_problem, registry
from studyapp.drills.base import EXACT, Answer, Problem, Tolerance, round_to, truncate_to
from studyapp.drills.digits import digits_line, digits_needed

DEFAULT = Tolerance(rel=0.01, abs=0.001)
TIGHT = Tolerance(rel=1e-3, abs=1e-12)


@pytest.fixture(scope="module", autouse=True)
def sympy_warm() -> None:
    warm_up()


def problem(
    answer: Answer, tolerance: Tolerance = DEFAULT, giveaways: tuple[str, ...] = ()
) -> Problem:
    return Problem(
        topic="hand_made",
        seed=0,
        difficulty=1,
        prompt="Compute it.",
        inputs={},
        answer=answer,
        tolerance=tolerance,
        steps=("first step",),
        giveaways=giveaways,
    )


def seed_where(topic: str, test, difficulty: int = 1) -> Problem:
    """The first generated problem of `topic` for which `test(problem)` holds."""
    for seed in range(400):
        found = make_problem(topic, seed, difficulty)
        if test(found):
            return found
    raise AssertionError(f"no seed of {topic} passes the test")


# ------------------------------------------------------------------------ give-away functions


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_an_activation_problem_refuses_its_own_function(name: str) -> None:
    found = seed_where("activation", lambda p: p.inputs["activation"] == name)
    assert found.giveaways == (name,)
    z = found.inputs["z"]
    verdict = check_answer(f"{name}({z})", found)
    assert verdict.outcome == "unreadable" and verdict.given is None
    assert verdict.message == (
        f"This problem asks you to compute {name} yourself: type a number or use exp."
    )
    assert (
        check_answer(
            f"1/(1+exp({-z}))"
            if name == "sigmoid"
            else f"(exp({z})-exp({-z}))/(exp({z})+exp({-z}))",
            found,
        ).outcome
        == "correct"
    )


def test_sigma_and_capitals_are_the_same_give_away() -> None:
    found = seed_where("activation", lambda p: p.inputs["activation"] == "sigmoid")
    z = found.inputs["z"]
    for typed in (f"σ({z})", f"SIGMOID({z})", f"2*sigmoid({z}) - sigmoid({z})"):
        assert check_answer(typed, found).outcome == "unreadable", typed


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_relu_problems_refuse_max_and_min(name: str) -> None:
    found = seed_where("activation", lambda p: p.inputs["activation"] == name)
    assert found.giveaways == ("max", "min")
    z = found.inputs["z"]
    verdict = check_answer(f"max(0, {z})", found)
    assert verdict.outcome == "unreadable"
    assert verdict.message == "This problem asks you to compute max yourself: type a number."


@pytest.mark.parametrize("name", ["elu", "gelu", "swish"])
def test_activations_built_from_other_functions_accept_them(name: str) -> None:
    found = seed_where("activation", lambda p: p.inputs["activation"] == name)
    assert found.giveaways == ()
    z = found.inputs["z"]
    typed = {
        "elu": f"exp({z})-1" if z < 0 else f"{z}",
        "gelu": f"{z}*Phi({z})",
        "swish": f"{z}*sigmoid({z})",
    }[name]
    assert check_answer(typed, found).outcome == "correct"


def test_clipping_by_value_refuses_max_and_min() -> None:
    found = make_problem("clip_by_value", 3)
    assert found.giveaways == ("max", "min")
    c = found.inputs["clip_value"]
    typed = ", ".join(f"max(min({g}, {c}), {-c})" for g in found.inputs["grad"])
    verdict = check_answer(typed, found)
    assert verdict.outcome == "unreadable" and "max" in verdict.message


def test_a_neuron_and_a_derivative_may_use_the_activation() -> None:
    neuron = seed_where("neuron", lambda p: p.inputs["activation"] == "tanh")
    assert neuron.giveaways == ()
    slope = seed_where("activation_derivative", lambda p: p.inputs["activation"] == "tanh")
    assert slope.giveaways == ()
    assert check_answer(f"1 - tanh({slope.inputs['z']})^2", slope).outcome == "correct"


def test_only_the_decided_topics_have_give_aways() -> None:
    having = {
        topic
        for topic in registry()
        for seed in range(30)
        if make_problem(topic, seed, 1 + seed % 3).giveaways
    }
    assert having == {"activation", "clip_by_value"}


GIVEAWAY_TOPICS = ("activation", "clip_by_value")


@settings(max_examples=150, deadline=None)
@given(
    topic=st.sampled_from(GIVEAWAY_TOPICS),
    seed=st.integers(0, 10_000),
    difficulty=st.integers(1, 3),
    spelling=st.sampled_from([str.lower, str.upper, str.title]),
    argument=st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3)),
    before=st.sampled_from(["", "0 + ", "2*", "1 - ", "-", "exp(0)*"]),
    after=st.sampled_from(["", " + 0", " * 1", "/1", " - 0.0"]),
)
def test_no_answer_using_a_give_away_is_ever_graded(
    topic, seed, difficulty, spelling, argument, before, after
) -> None:
    found = make_problem(topic, seed, difficulty)
    assume(found.giveaways)
    for name in found.giveaways:
        call = (
            f"{spelling(name)}({argument}, 0)"
            if name in ("max", "min")
            else (f"{spelling(name)}({argument})")
        )
        entry = f"{before}{call}{after}"
        size = 1 if isinstance(found.answer, float) else len(found.answer)
        typed = ", ".join([entry] * size)
        verdict = check_answer(typed, found)
        assert verdict.outcome == "unreadable" and name in verdict.message, typed


# ------------------------------------------------------------------------------------ digits


def test_digits_needed_by_hand() -> None:
    assert digits_needed(0.5498, DEFAULT) == 2
    assert digits_needed(1.049, DEFAULT) == 3
    assert digits_needed(0.047351, TIGHT) == 4
    assert digits_needed(0.0, TIGHT) == 1
    assert digits_needed([0.5, 0.047351], TIGHT) == 4
    assert digits_needed(123456.0, EXACT) == 6


finite = st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-6)
tolerances = st.builds(
    Tolerance,
    rel=st.sampled_from([0.0, 1e-4, 1e-3, 0.01, 0.05]),
    abs=st.sampled_from([1e-12, 1e-9, 1e-4, 0.001]),
)


@settings(max_examples=300, deadline=None)
@given(answer=finite, tolerance=tolerances)
def test_the_digits_needed_are_enough_and_one_fewer_is_not(answer, tolerance) -> None:
    needed = digits_needed(answer, tolerance)
    assert within_tolerance(round_to(answer, needed), answer, tolerance)
    if needed > 1:
        assert not within_tolerance(round_to(answer, needed - 1), answer, tolerance)


@settings(max_examples=100, deadline=None)
@given(answer=st.lists(finite, min_size=1, max_size=5), tolerance=tolerances)
def test_the_digits_needed_by_a_vector_serve_every_entry(answer, tolerance) -> None:
    needed = digits_needed(answer, tolerance)
    assert within_tolerance([round_to(x, needed) for x in answer], answer, tolerance)


def test_rounding_and_truncating() -> None:
    assert round_to(0.047351, 3) == 0.0474 and truncate_to(0.047351, 3) == 0.0473
    assert round_to(-1.96, 1) == -2.0 and truncate_to(-1.96, 1) == -1.0
    assert round_to(0.0, 3) == 0.0


def test_the_digits_line_only_where_three_digits_are_not_enough() -> None:
    assert digits_line(0.047351, TIGHT) == "Give 4 significant digits."
    assert digits_line(0.5498, DEFAULT) == ""
    assert digits_line(1234.0, EXACT) == ""  # whole counts are typed whole


def test_a_tight_topic_says_how_many_digits_and_default_topics_do_not() -> None:
    found = seed_where("init_variance", lambda p: digits_needed(p.answer, p.tolerance) > 3)
    assert found.prompt.endswith(
        f"Give {digits_needed(found.answer, found.tolerance)} significant digits."
    )
    for topic in registry():
        for seed in range(6):
            made = make_problem(topic, seed, 1 + seed % 3)
            needed = digits_needed(made.answer, made.tolerance)
            line = digits_line(made.answer, made.tolerance)
            assert made.prompt.endswith(line) and ("significant digits." in made.prompt) == bool(
                line
            )
            if made.tolerance == DEFAULT:
                assert needed <= 3, (topic, seed)


def test_an_answer_cut_short_is_not_graded() -> None:
    tight = problem(0.047351, TIGHT)
    for typed, count in (("0.0473", 3), ("0.0474", 3), ("0.047", 2), ("4.7e-2", 2)):
        verdict = check_answer(typed, tight)
        assert verdict.outcome == "unreadable", typed
        assert verdict.message == (
            f"Right to the {count} digits you gave; this problem needs 4 — type more digits. "
            f"Read as {typed if 'e' not in typed else '0.047'}."
        )
    assert check_answer("0.04735", tight).outcome == "correct"
    assert check_answer("0.0472", tight).outcome == "wrong"  # a wrong digit is graded
    assert check_answer("0.04730", tight).outcome == "wrong"  # 4 digits typed, the 4th wrong


def test_a_vector_cut_short_in_one_entry_is_not_graded() -> None:
    tight = problem([0.5, 0.047351], TIGHT)
    verdict = check_answer("0.5, 0.047", tight)
    assert verdict.outcome == "unreadable" and "needs 4" in verdict.message
    assert check_answer("0.6, 0.047", tight).outcome == "wrong"


def test_one_digit_is_singular() -> None:
    verdict = check_answer("1", problem(1.049))
    assert verdict.outcome == "unreadable"
    assert verdict.message.startswith("Right to the 1 digit you gave; this problem needs 3")


def test_expressions_and_whole_counts_are_graded_as_typed() -> None:
    assert check_answer("1/20", problem(0.047351, TIGHT)).outcome == "wrong"
    assert check_answer("1230", problem(1234.0, EXACT)).outcome == "wrong"


@settings(max_examples=200, deadline=None)
@given(answer=finite.filter(lambda x: x != 0 and not float(x).is_integer()), tolerance=tolerances)
def test_a_rounded_answer_is_right_or_asks_for_digits(answer, tolerance) -> None:
    expected = problem(answer, tolerance)
    for digits in range(1, digits_needed(answer, tolerance) + 1):
        typed = f"{answer:.{digits - 1}e}"
        verdict = check_answer(typed, expected)
        assert verdict.outcome != "wrong", typed


# -------------------------------------------------------------- every not-graded slip echoes


@pytest.mark.parametrize(
    ("typed", "answer", "echo"),
    [
        ("7,0", 7.0, "type 7.0 with a point"),
        ("0.1 0.2 0.7", [0.1, 0.2, 0.7], "type [0.1, 0.2, 0.7] with commas"),
        ("1, 2", [1.0, 2.0, 3.0], "Read as [1, 2]."),
        ("0.047", 0.047351, "Read as 0.047."),
    ],
)
def test_each_not_graded_slip_echoes_the_reading(typed: str, answer: Answer, echo: str) -> None:
    tolerance = TIGHT if answer == 0.047351 else DEFAULT
    verdict = check_answer(typed, problem(answer, tolerance))
    assert verdict.outcome == "unreadable" and echo in verdict.message


NOT_GRADED_INPUTS = [
    ("abc", 0.5),
    ("7,0", 7.0),
    ("0.1 0.2", [0.1, 0.2, 0.7]),
    ("1, 2", [1.0, 2.0, 3.0]),
    ("1, 2, 3, 4", 0.5),
    ("1/1e-320", 0.5),
    ("0.5 +", 0.5),
    ("*2", 0.5),
    ("2 + * 3", 0.5),
    ("0.047", 0.047351),
]


@pytest.mark.parametrize(("typed", "answer"), NOT_GRADED_INPUTS)
def test_every_not_graded_message_opens_with_one_plain_sentence(typed: str, answer: Answer) -> None:
    """The first sentence names the slip: no question, ending in a full stop."""
    tolerance = TIGHT if answer == 0.047351 else DEFAULT
    verdict = check_answer(typed, problem(answer, tolerance))
    assert verdict.outcome == "unreadable"
    first = verdict.message.split(". ")[0]
    assert "?" not in verdict.message and verdict.message.endswith("."), verdict.message
    assert first[0].isupper() and len(first.split()) >= 4, verdict.message


def test_the_placeholder_points_to_the_syntax_help() -> None:
    from studyapp.ui.drill import PLACEHOLDER

    assert "F1" in PLACEHOLDER and len(PLACEHOLDER) <= 60


def test_an_answer_cut_short_never_hears_it_needs_no_more_digits_than_it_gave() -> None:
    # -0.34 (rounded to 2 digits) passes at 1 % + 0.001, but -0.33 (cut) does not.
    from studyapp.answers.precision import cut_short_message
    from studyapp.drills.base import Tolerance

    message = cut_short_message("-0.33", -0.33, -0.33617, Tolerance(0.01, 0.001))
    assert message is not None and "needs 3" in message
