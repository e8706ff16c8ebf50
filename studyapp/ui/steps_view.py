"""How a stepwise verdict reads on the drill screen: one row per checkpoint (step, the
learner's value, the engine's, the status), then one line naming where the work left the track.

The verdict comes from the session (`DrillSession.submit` with the filled checkpoints); the UI
may not import the grading package, so the shapes it reads are described here as protocols.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from rich.table import Table
from rich.text import Text

STATUS_MARKS: dict[str, tuple[str, str, str]] = {
    "right": ("✓", "right", "bold green"),
    "carried": ("↪", "right from your values", "bold cyan"),
    "wrong": ("✗", "wrong", "bold red"),
    "unread": ("?", "cannot read", "bold yellow"),
    "missing": ("·", "not filled", "dim"),
}
"""Each checkpoint status: its mark, its words and their style."""


class StepLike(Protocol):
    """One graded checkpoint (answers.steps.StepResult)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def typed(self) -> str: ...
    @property
    def expected(self) -> Any: ...
    @property
    def message(self) -> str: ...


class StepVerdictLike(Protocol):
    """A worked answer's grade (answers.steps.StepVerdict)."""

    @property
    def steps(self) -> Sequence[StepLike]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def first_wrong(self) -> StepLike | None: ...


def field_label(name: str, label: str) -> Text:
    """A field's label, `a1  a1 = σ(z1)`: cut with an ellipsis where the column is narrow."""
    text = Text.assemble((name, "bold"), "  ", (label, "dim"))
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def value_text(value: Any) -> str:
    """A checkpoint value on one line: a number, `[a, b]`, or `[[a, b], [c, d]]`."""
    from studyapp.collection import num

    if isinstance(value, list):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return num(value, 4)
    return str(value)


def steps_table(verdict: StepVerdictLike) -> Table:
    """The checkpoints in order: step, what the learner typed, the engine's value, status."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=False)
    table.add_column("step", no_wrap=True)
    table.add_column("yours", overflow="fold", max_width=24)
    table.add_column("engine's", overflow="fold", max_width=24)
    table.add_column("", ratio=1)
    for step in verdict.steps:
        mark, words, style = STATUS_MARKS[step.status]
        table.add_row(
            Text(step.name, style="bold"),
            Text(step.typed or "·", style="" if step.typed else "dim"),
            Text(value_text(step.expected)),
            Text.assemble((mark, style), " ", (words, "" if step.status != "missing" else "dim")),
        )
    return table


def verdict_line(verdict: StepVerdictLike) -> Text:
    """✓ Right or ✗ Wrong, then where the work left the track and the slip that explains it."""
    right = verdict.outcome == "correct"
    message = verdict.message
    if right and verdict.first_wrong is None and any(s.status == "missing" for s in verdict.steps):
        message = "Every step you filled is right."
    return Text.assemble(
        ("✓ Right" if right else "✗ Wrong", "bold green" if right else "bold red"),
        "  ",
        message,
    )


def how_graded(verdict: StepVerdictLike | None, outcome: str) -> str | None:
    """Why a stepwise grade is what it is, when it is not the plain outcome's: one slip carried
    through is a 2, a right answer past a wrong step a 4."""
    if verdict is None or verdict.first_wrong is None:
        return None
    if outcome == "correct":
        return "right answer past a wrong step"
    wrong = [step for step in verdict.steps if step.status == "wrong"]
    if len(wrong) == 1 and verdict.steps[-1].status == "carried":
        return "one slip, the rest right from it"
    return None
