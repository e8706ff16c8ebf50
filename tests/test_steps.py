"""Grading a worked answer step by step: each checkpoint from the learner's own earlier values,
an early slip named once, input that cannot be read reported per step and never graded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.answers.steps import NamedAnswersError, grade_steps, read_named
from studyapp.drills import make_problem
from studyapp.drills.base import show

PROBLEM = make_problem("chain_rule", 3, 1)
POINTS = {p.name: p for p in PROBLEM.checkpoints}


def engine(name: str) -> float:
    return POINTS[name].value


def test_only_the_final_answer_is_graded_as_before() -> None:
    verdict = grade_steps(PROBLEM, {"answer": show(engine("answer"), 8)})
    assert [s.status for s in verdict.steps] == ["missing"] * 4 + ["right"]
    assert verdict.outcome == "correct" and verdict.first_wrong is None
    wrong = grade_steps(PROBLEM, {"answer": "0.5"})
    assert wrong.outcome == "wrong" and wrong.first_wrong.name == "answer"
    assert not wrong.one_slip


def test_a_known_slip_is_named_at_its_step_and_later_steps_are_carried() -> None:
    flipped = 1.0 - engine("a1")  # σ(−z1): the exponent's sign flipped
    earlier = {"z1": engine("z1"), "a1": flipped}
    earlier["z2"] = POINTS["z2"].recompute(earlier)
    verdict = grade_steps(
        PROBLEM, {name: show(value, 8) for name, value in earlier.items()} | {"y_hat": ""}
    )
    statuses = {s.name: s.status for s in verdict.steps}
    assert statuses == {
        "z1": "right",
        "a1": "wrong",
        "z2": "carried",
        "y_hat": "missing",
        "answer": "missing",
    }
    assert verdict.steps[1].slip == "sigmoid.exponent_sign"
    assert "exponent" in verdict.steps[1].message
    assert verdict.outcome == "unreadable"  # no final answer: nothing graded yet


def test_a_missing_step_carries_the_learners_earlier_value_forward() -> None:
    z1 = engine("z1") + 1.0
    a1 = POINTS["a1"].recompute({"z1": z1})
    z2 = POINTS["z2"].recompute({"z1": z1, "a1": a1})
    verdict = grade_steps(PROBLEM, {"z1": show(z1, 8), "z2": show(z2, 8)})
    assert [s.status for s in verdict.steps] == [
        "wrong",
        "missing",
        "carried",
        "missing",
        "missing",
    ]


def test_a_second_mistake_after_the_first_is_wrong_from_the_learners_values() -> None:
    typed = {"z1": show(engine("z1") + 1.0, 8), "a1": "0.99", "answer": "3"}
    verdict = grade_steps(PROBLEM, typed)
    assert [s.status for s in verdict.steps][:2] == ["wrong", "wrong"]
    assert "your own earlier values" in verdict.steps[1].message
    assert verdict.steps[1].slip == ""
    assert not verdict.one_slip


def test_rounded_right_steps_carry_their_rounding_without_blame() -> None:
    typed = {name: f"{engine(name):.3g}" for name in ("z1", "a1", "z2", "y_hat")}
    own = POINTS["answer"].recompute({k: float(v) for k, v in typed.items()})
    verdict = grade_steps(PROBLEM, typed | {"answer": show(own, 8)})
    assert verdict.outcome == "correct", verdict.message


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_is_missing(text: str) -> None:
    assert grade_steps(PROBLEM, {"z1": text}).steps[0].status == "missing"


def test_unreadable_steps_are_reported_each_and_grade_nothing() -> None:
    verdict = grade_steps(PROBLEM, {"z1": "1,5", "a1": "sigmoid(", "answer": "0.1"})
    assert [s.status for s in verdict.steps][:2] == ["unread", "unread"]
    assert verdict.outcome == "unreadable"
    assert "z1:" in verdict.message and "a1:" in verdict.message


def test_an_unknown_step_name_is_refused() -> None:
    with pytest.raises(KeyError, match="h"):
        grade_steps(PROBLEM, {"h": "1"})


def test_named_answers_keep_matrix_rows_together() -> None:
    names = ["z1", "h", "answer"]
    assert read_named("z1=[1, 2]; [3, 4]; h = 0.5;answer=[[1,2];[3,4]]", names) == {
        "z1": "[1, 2]; [3, 4]",
        "h": "0.5",
        "answer": "[[1,2];[3,4]]",
    }
    assert read_named("0.25", names) == {"answer": "0.25"}
    assert read_named("  ", names) == {}


@pytest.mark.parametrize(
    ("text", "why"),
    [("z1=1; z1=2", "twice"), ("0.3; h=1", "not after"), ("x=1", "no checkpoint named 'x'")],
)
def test_named_answers_that_do_not_fit_are_explained(text: str, why: str) -> None:
    with pytest.raises(NamedAnswersError, match=why):
        read_named(text, ["z1", "h", "answer"])


NAMES = ["z1", "a1", "h", "y_hat", "answer"]
_numbers = st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: show(x, 6))
_values = st.one_of(
    _numbers,
    st.lists(_numbers, min_size=1, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.lists(st.lists(_numbers, min_size=2, max_size=2), min_size=1, max_size=3).map(
        lambda rows: "; ".join(", ".join(row) for row in rows)
    ),
)


@given(st.dictionaries(st.sampled_from(NAMES), _values, min_size=1), st.sampled_from(["; ", ";"]))
def test_named_answers_read_back_what_was_written(answers: dict[str, str], sep: str) -> None:
    text = sep.join(f"{name}={value}" for name, value in answers.items())
    assert read_named(text, NAMES) == answers


@given(st.dictionaries(st.sampled_from(["z1", "a1", "z2", "answer"]), st.text(max_size=40)))
def test_any_text_in_any_step_is_graded_or_explained(answers: dict[str, str]) -> None:
    verdict = grade_steps(PROBLEM, answers)
    assert verdict.outcome in ("correct", "wrong", "unreadable") and verdict.message
    for step in verdict.steps:
        assert (step.status == "unread") == bool(step.typed and step.given is None)
