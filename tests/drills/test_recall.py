"""Drills ask for recall: titles and prompts at level 2 and up name the task, not its formula
(which comes with the hint and the solution), and a prompt states only the conventions that
apply to its own problem."""

from __future__ import annotations

import re

import pytest

from studyapp.drills import make_problem, registry
from studyapp.drills.base import Problem

TOPICS = sorted(registry())
SEEDS = (0, 1, 2, 3, 7, 11, 42)
LEVELS = (1, 2, 3)

TITLE_WIDTH = 36
"""The stats table's topic column: a title fits it whole."""
FORMULA_SYMBOLS = set("=·ᵀ√∂⊙Σ←φσ′^⌊²‖")
"""Marks of a formula: none of them belongs in a title."""
PROMPT_FORMULA_SYMBOLS = ("√", "ᵀ", "⊙", "Σ", "←", "e^", "⌊")
"""Marks of a formula written out: none of them belongs in a level 2-3 prompt."""

ACTIVATION_CONVENTIONS = {
    "leaky_relu": ("0.01",),
    "elu": ("α",),
    "gelu": ("Φ", "approximation", "CDF", "erf"),
    "swish": ("swish",),
}
"""Words that only a problem about that activation needs."""
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish")


def problems(levels: tuple[int, ...] = LEVELS) -> list[Problem]:
    return [make_problem(t, seed, level) for t in TOPICS for level in levels for seed in SEEDS]


def right_hand_side(formula: str) -> str:
    """What a formula computes from, the part after its first `=`."""
    return formula.split(" = ", 1)[-1].strip()


def test_every_topic_has_a_formula_to_recall() -> None:
    for problem in problems():
        assert problem.formula, problem.topic


@pytest.mark.parametrize("topic_id", TOPICS)
def test_titles_name_the_task_without_a_formula(topic_id: str) -> None:
    title = registry()[topic_id].title
    assert not FORMULA_SYMBOLS & set(title), title
    assert title[:1].isupper() and len(title) <= TITLE_WIDTH, title


@pytest.mark.parametrize("topic_id", TOPICS)
def test_prompts_above_level_one_do_not_state_the_formula(topic_id: str) -> None:
    for level in (2, 3):
        for seed in SEEDS:
            problem = make_problem(topic_id, seed, level)
            assert problem.formula not in problem.prompt, problem.prompt
            rhs = right_hand_side(problem.formula)
            assert len(rhs) < 4 or rhs not in problem.prompt, (rhs, problem.prompt)
            marks = [m for m in PROMPT_FORMULA_SYMBOLS if m in problem.prompt]
            assert marks == [], (marks, problem.prompt)


def test_prompts_are_fully_written_out() -> None:
    for problem in problems():
        assert "{" not in problem.prompt and "}" not in problem.prompt, problem.prompt


def test_level_one_prompts_give_the_formula() -> None:
    for problem in problems((1,)):
        assert problem.formula in problem.prompt, problem.topic


def test_above_level_one_the_hint_carries_the_formula() -> None:
    for problem in problems((2, 3)):
        assert problem.formula in problem.hint, (problem.topic, problem.hint)


def test_at_level_one_the_hint_is_a_worked_step_not_the_prompt_again() -> None:
    for problem in problems((1,)):
        assert not problem.hint.startswith("Formula:"), (problem.topic, problem.hint)


def test_activation_prompts_state_only_their_own_conventions() -> None:
    for problem in problems():
        name = problem.inputs.get("activation") if isinstance(problem.inputs, dict) else None
        if name not in ACTIVATION_NAMES:
            continue
        prompt = problem.prompt
        for other, words in ACTIVATION_CONVENTIONS.items():
            if other != name:
                assert not [w for w in words if w in prompt], (name, other, prompt)
        for other in ACTIVATION_NAMES:
            if other != name and not (name == "gelu" and other == "tanh"):
                assert not re.search(rf"\b{other}\b", prompt), (name, other, prompt)


def test_activation_prompts_keep_the_conventions_they_need() -> None:
    needs = {"leaky_relu": "0.01", "elu": "α = 1", "gelu": "tanh approximation"}
    for problem in problems():
        name = problem.inputs.get("activation")
        if name in needs:
            assert needs[name] in problem.prompt, (problem.topic, problem.prompt)


def test_dropout_and_layer_norm_state_their_own_conventions() -> None:
    for level in LEVELS:
        dropout = make_problem("dropout", 5, level).prompt
        assert "drop" in dropout and "1 − p" in dropout
        layer_norm = make_problem("layer_norm", 5, level).prompt
        assert "biased variance" in layer_norm and "eps" in layer_norm


def test_the_drill_json_names_the_task() -> None:
    for topic_id in TOPICS:
        data = make_problem(topic_id, 3, 2).to_json()
        assert data["title"] == registry()[topic_id].title
        assert list(data)[:2] == ["topic", "title"]
        assert {"seed", "difficulty", "prompt", "inputs", "answer", "tolerance", "steps"} <= set(
            data
        )


def test_the_worksheet_heads_each_problem_with_its_title() -> None:
    from studyapp.transfer.worksheet import worksheet_markdown

    sheet = worksheet_markdown([make_problem("attention", 1, 2)])
    assert "## 1. Scaled dot-product attention (`attention`)" in sheet
