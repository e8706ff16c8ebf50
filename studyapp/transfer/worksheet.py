"""Drill problems as a printable Markdown worksheet: problems first, then the answer key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studyapp.drills import Problem
from studyapp.drills.base import num


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return num(value)
    return str(value)


def input_table(name: str, value: Any) -> list[str]:
    """A vector or matrix input as a Markdown table; a scalar as one line."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        width = len(value[0])
        lines = [f"`{name}` ({len(value)}×{width}):", ""]
        lines.append("| " + " | ".join(f"c{j}" for j in range(width)) + " |")
        lines.append("|" + "---:|" * width)
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in value]
        return [*lines, ""]
    if isinstance(value, list):
        lines = [f"`{name}` (vector of {len(value)}):", ""]
        lines.append("| " + " | ".join(f"[{i}]" for i in range(len(value))) + " |")
        lines.append("|" + "---:|" * len(value))
        lines.append("| " + " | ".join(cell(v) for v in value) + " |")
        return [*lines, ""]
    return [f"- `{name}` = {cell(value)}"]


def answer_text(answer: Any) -> str:
    if isinstance(answer, list) and answer and isinstance(answer[0], list):
        return "; ".join(", ".join(num(v) for v in row) for row in answer)
    if isinstance(answer, list):
        return ", ".join(num(v) for v in answer)
    return num(answer)


def heading(problem: Problem) -> str:
    """A problem's heading: the task's title, with the topic id to ask for it again."""
    return f"{problem.title} (`{problem.topic}`)" if problem.title else problem.topic


def worksheet_markdown(problems: Sequence[Problem], title: str = "studyapp worksheet") -> str:
    lines = [f"# {title}", ""]
    for index, problem in enumerate(problems, 1):
        lines += [
            f"## {index}. {heading(problem)}",
            "",
            f"*seed {problem.seed}, difficulty {problem.difficulty}*",
            "",
            problem.prompt,
            "",
        ]
        scalars = [(k, v) for k, v in problem.inputs.items() if not isinstance(v, list)]
        arrays = [(k, v) for k, v in problem.inputs.items() if isinstance(v, list)]
        for name, value in scalars:
            lines += input_table(name, value)
        if scalars:
            lines.append("")
        for name, value in arrays:
            lines += input_table(name, value)
    lines += ["---", "", "# Answer key", ""]
    for index, problem in enumerate(problems, 1):
        tol = problem.tolerance
        lines += [
            f"## {index}. {heading(problem)}",
            "",
            f"**Answer:** {answer_text(problem.answer)}  "
            f"(accepted within {num(tol.rel * 100)}% or {num(tol.abs)})",
            "",
        ]
        lines += [f"{step_no}. {step}" for step_no, step in enumerate(problem.steps, 1)]
        lines.append("")
    return "\n".join(lines)
