"""The drill screen: a generated problem, its numbers as tables, an answer box, the solution.

The session (`Collection.drill()`, a `DrillSession`) makes the problems, checks answers
and records attempts; this screen lays the numbers out, keeps the typed text when it
cannot be read, and shows the verdict with every worked step.

Keys while typing: Enter checks, F2 (or ctrl+t) shows the hint, ctrl+g gives up —
none of them types a character, so they work inside the answer box. After the answer,
the box is locked and 0–5 override the grade, n or Enter moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from studyapp.collection import (
    QUALITY_LABELS,
    Collection,
    GradeSuperseded,
    level_note,
)
from studyapp.ui.widgets import (
    GRADE_NAMES,
    NotSaved,
    answer_renderable,
    inputs_renderable,
    plural,
    saving,
    steps_renderable,
)

if TYPE_CHECKING:
    from studyapp.collection import DrillSession, Problem

OUTCOME_WORDS = {
    "correct": "right answer",
    "wrong": "wrong answer",
    "gave_up": "gave up",
}
PLACEHOLDER = "Your answer: 0.25, 1/(1+e^-2) or 0.1, 0.2, 0.7 (F1: more)"


class AnswerInput(Input):
    """The answer box. Its own Enter binding is shown in the footer as "Check".

    Enter is handled by the box (not by a priority binding on the screen) so it comes
    after every character typed before it, however fast they arrive.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Check", tooltip="Check the typed answer"),
    ]


def topic_title(topic_id: str) -> str:
    """The topic's one-line title, capitalised, or its id when it is unknown."""
    title = Collection.topic_title(topic_id)
    return title[:1].upper() + title[1:]


class DrillScreen(Screen[None]):
    """Drill practice: due topics one after another, or the topics picked on the topics screen."""

    HELP_TITLE = "Drill"
    HELP_ANSWER_SYNTAX = True
    """The help (F1) also shows what an answer may be."""
    CSS_PATH = "drill.tcss"
    AUTO_FOCUS = "#answer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "check", "Check", tooltip="Check the typed answer against the engine's"),
        Binding(
            "f2,ctrl+t",
            "hint",
            "Hint",
            tooltip="Show the first worked step (a right answer then counts as grade 3)",
        ),
        Binding("ctrl+g", "give_up", "Give up", tooltip="Show the solution; graded 0"),
        Binding("n", "next", "Next", tooltip="The next problem"),
        Binding("enter", "next", "Next", show=False, tooltip="The next problem"),
        *(
            Binding(
                str(q),
                f"grade({q})",
                f"{GRADE_NAMES[q]}",
                tooltip=f"Grade {q}: {QUALITY_LABELS[q]}",
            )
            for q in range(6)
        ),
        Binding(
            "escape,q,backspace",
            "close",
            "Home",
            tooltip="Back home; answered problems are saved (q and Backspace: not while typing)",
        ),
        Binding("enter", "close", "Home", show=False, tooltip="When every topic is done: home"),
        Binding("down", "scroll(1)", "Scroll down", show=False, tooltip="Scroll the problem"),
        Binding("up", "scroll(-1)", "Scroll up", show=False, tooltip="Scroll the problem"),
        Binding("pagedown", "scroll(10)", "Page down", show=False, tooltip="Scroll a page"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, tooltip="Scroll a page"),
    ]

    answered: reactive[bool] = reactive(False, bindings=True)
    finished: reactive[bool] = reactive(False, bindings=True)
    hinted: reactive[bool] = reactive(False, bindings=True)

    def __init__(
        self,
        collection: Collection,
        topic_ids: Sequence[str] | None = None,
        difficulty: int | None = None,
        seed: int | None = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.cursor_blink = cursor_blink
        """False freezes the answer box's cursor (for screenshots)."""
        self.picked = bool(topic_ids)
        self.session: DrillSession = collection.drill(topic_ids, difficulty, seed)
        self.typed = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="drill-top", classes="title-bar"):
            yield Static(id="drill-topic")
            yield Static(id="drill-progress")
        with VerticalScroll(id="drill-body"):
            yield Static(id="prompt")
            yield Static(id="inputs")
            yield Static(id="hint")
            yield Static(id="verdict")
            yield Static(id="grade-line")
            yield Static(id="expected")
            yield Static(id="solution")
        yield Static(id="reader-message", classes="warning-message")
        yield AnswerInput(id="answer", placeholder=PLACEHOLDER)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#answer", Input).cursor_blink = self.cursor_blink
        self.show_problem()
        # After the problem and its keys are painted: SymPy's import (when the home screen
        # has not loaded it yet) would hold the GIL through the first frames.
        self.call_after_refresh(self.warm_up_reader)

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up_reader(self) -> None:
        """Read one throwaway expression while the learner thinks, so that the first real
        expression (which loads SymPy, a third of a second) does not stall the screen."""
        problem = self.problem
        if problem is not None:
            self.collection.warm_up_answers(problem)

    # -------------------------------------------------------------- showing

    @property
    def problem(self) -> Problem | None:
        return self.session.problem

    def show_problem(self) -> None:
        problem = self.problem
        self.answered = False
        self.hinted = False
        self.finished = problem is None
        for name in (
            "#hint",
            "#verdict",
            "#grade-line",
            "#expected",
            "#solution",
            "#reader-message",
        ):
            self.query_one(name, Static).display = False
        answer_box = self.query_one("#answer", Input)
        answer_box.value = ""
        self._update_top()
        if problem is None:
            self._show_finished()
            return
        answer_box.disabled = False
        answer_box.display = True
        self.query_one("#prompt", Static).update(Text(problem.prompt))
        inputs = self.query_one("#inputs", Static)
        inputs.display = bool(problem.inputs)
        inputs.update(inputs_renderable(problem.inputs, max(40, self.size.width - 6)))
        self.query_one("#drill-body", VerticalScroll).scroll_home(animate=False)
        answer_box.focus()

    def _update_top(self) -> None:
        problem, session = self.problem, self.session
        if problem is None:
            self.query_one("#drill-topic", Static).update(Text("Drills done", style="bold"))
        else:
            self.query_one("#drill-topic", Static).update(
                Text(topic_title(problem.topic), style="bold", no_wrap=True, overflow="ellipsis")
            )
        left = "" if self.picked else f"  ·  {len(session.queue)} to go"
        level = f"level {problem.difficulty}  ·  " if problem is not None else ""
        self.query_one("#drill-progress", Static).update(
            Text.assemble(
                (level, "dim"),
                (str(session.correct), "bold"),
                (f" of {session.attempts} right", ""),
                (left, "dim"),
            )
        )

    def _show_finished(self) -> None:
        self.query_one("#inputs", Static).display = False
        self.query_one("#answer", Input).display = False
        session = self.session
        message = Text.assemble(
            ("Every drill topic due today is done.", "bold"),
            "\n\n",
            f"{plural(session.attempts, 'attempt')}, {session.correct} right.\n\n",
            ("Press Enter or Escape for home; t there picks any topic to practise.", "dim"),
        )
        self.query_one("#prompt", Static).update(message)
        self.set_focus(None)

    def _show_record(self, verdict_line: Text, given: str | None) -> None:
        """After an answer (or giving up): verdict, expected answer, the worked steps."""
        problem, record = self.problem, self.session.record
        assert problem is not None and record is not None
        self.answered = True
        answer_box = self.query_one("#answer", Input)
        answer_box.disabled = True
        answer_box.display = False  # "You typed" shows it; the room goes to the solution
        self.set_focus(None)
        self.query_one("#reader-message", Static).display = False
        self.query_one("#hint", Static).display = False
        verdict = self.query_one("#verdict", Static)
        verdict.display = True
        parts: list[RenderableType] = [verdict_line]
        if given:
            parts.append(Text.assemble(("You typed  ", "dim"), given))
        verdict.update(Group(*parts))
        grade_line = self.query_one("#grade-line", Static)
        grade_line.display = True
        grade_line.update(self._grade_line())
        expected = self.query_one("#expected", Static)
        expected.display = True
        expected.update(Group(Text("Expected", style="bold"), answer_renderable(problem.answer)))
        solution = self.query_one("#solution", Static)
        solution.display = True
        solution.update(
            Group(Text("Worked solution", style="bold"), steps_renderable(problem.steps))
        )
        self._update_top()
        self.refresh_bindings()
        self.call_after_refresh(lambda: self.call_after_refresh(self._bring_answer_into_view))

    def _bring_answer_into_view(self) -> None:
        """As much of the solution as fits, without pushing the verdict off the top."""
        body = self.query_one("#drill-body", VerticalScroll)
        top = self.query_one("#verdict").virtual_region_with_margin.y
        body.scroll_to(y=min(top, body.max_scroll_y), animate=False)

    def _grade_line(self) -> Text:
        record = self.session.record
        assert record is not None
        derived = record.derived
        how = (
            OUTCOME_WORDS[record.outcome]
            + (" with the hint" if self.session.hint_used and record.outcome == "correct" else "")
            if record.quality == derived
            else "your choice"
        )
        line = Text.assemble(
            ("Grade ", "dim"),
            (f"{record.quality} {GRADE_NAMES[record.quality]}", "bold"),
            (f" ({how})  ·  0–5 change it  ·  n next", "dim"),
        )
        change = self.session.level_change
        if change is not None:
            line.append("\n")
            line.append(level_note(*change), style="bold")
        return line

    # -------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("check", "give_up"):
            return not self.finished and not self.answered
        if action == "hint":
            return not self.finished and not self.answered and not self.hinted
        if action in ("next", "grade"):
            return self.answered and not self.finished
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.check_action("check", ()):
            self.action_check()

    def action_check(self) -> None:
        answer_box = self.query_one("#answer", Input)
        typed = answer_box.value.strip()
        message = self.query_one("#reader-message", Static)
        if not typed:
            message.display = True
            message.update(Text("Type an answer first — or F2 for a hint, ctrl+g to give up."))
            return
        try:
            with saving(self, "record the answer", self.collection):
                verdict = self.session.submit(typed)
        except NotSaved:
            return
        if verdict.outcome == "unreadable":
            message.display = True
            message.update(Text.assemble(("Cannot read that: ", "bold"), verdict.message))
            answer_box.focus()
            return
        right = verdict.outcome == "correct"
        line = Text.assemble(
            ("✓ Right" if right else "✗ Wrong", "bold green" if right else "bold red"),
            "  ",
            verdict.message,
        )
        self._show_record(line, typed)

    def action_hint(self) -> None:
        if self.problem is None:
            return
        hint = self.session.hint()
        self.hinted = True
        box = self.query_one("#hint", Static)
        box.display = True
        box.update(
            Group(
                Text.assemble(("Hint", "bold"), ("  step 1 of the solution", "dim")),
                Text(hint),
            )
        )

    def action_give_up(self) -> None:
        if self.problem is None or self.session.record is not None:
            return
        try:
            with saving(self, "record giving up", self.collection):
                self.session.give_up()
        except NotSaved:
            return
        self._show_record(Text("Gave up — here is how it goes.", style="bold"), None)

    def action_grade(self, quality: int) -> None:
        try:
            with saving(self, "change the grade", self.collection):
                self.session.override(quality)
        except NotSaved:
            return
        except GradeSuperseded as problem:  # drilled again in another terminal: nothing wrong here
            self.notify(str(problem), title="Grade not changed", markup=False)
            return
        except LookupError as problem:
            self.notify(str(problem), title="Grade not changed", severity="warning", markup=False)
            return
        self.query_one("#grade-line", Static).update(self._grade_line())

    def action_scroll(self, lines: int) -> None:
        self.query_one("#drill-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_next(self) -> None:
        self.session.next()
        self.show_problem()

    def action_close(self) -> None:
        self.dismiss()
