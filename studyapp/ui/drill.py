"""The drill screen: a generated problem, its numbers as tables, an answer box, the solution.

The session (`Collection.drill()`, a `DrillSession`) makes the problems, checks answers
and records attempts; this screen lays the numbers out, keeps the typed text when it
cannot be read, and shows the verdict with every worked step.

A problem worked in several steps (its checkpoints: z1, a1, …, answer) gets one field per
step above the answer box. The learner may fill any of them or only the answer: the answer
box has the focus, as for a one-step problem, and Tab from it goes up to the first step;
Enter in a step moves down to the next field, Enter in the answer checks everything typed.

Keys while typing: Enter checks, F2 (or ctrl+t) shows the hint, ctrl+g gives up —
none of them types a character, so they work inside the answer box. After the answer,
the box is locked and 0–5 override the grade, n or Enter moves on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Static

from studyapp.collection import (
    QUALITY_LABELS,
    Collection,
    GradeSuperseded,
    level_note,
)
from studyapp.ui.footer import KeysFooter
from studyapp.ui.steps_view import (
    StepVerdictLike,
    field_label,
    how_graded,
    steps_table,
    verdict_line,
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
STEPS_NOTE = "Steps, if you like: Tab goes up to them, ⏎ moves down"


class AnswerInput(Input):
    """The answer box. Its own Enter binding is shown in the footer as "Check".

    Enter is handled by the box (not by a priority binding on the screen) so it comes
    after every character typed before it, however fast they arrive.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Check", tooltip="Check the typed answer"),
    ]


class StepInput(Input):
    """A checkpoint's field. Enter moves on to the next field (shown as "Next field")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Next field", tooltip="On to the next step's field"),
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
        Binding(
            "tab",
            "next_field",
            "Next field",
            show=False,
            tooltip="Worked in steps: the next field (from the answer, the first step)",
        ),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            show=False,
            tooltip="Worked in steps: the field above (from the first step, the answer)",
        ),
        Binding("n", "next", "Next", tooltip="The next problem"),
        Binding(
            "u",
            "undo",
            "Undo",
            tooltip="Take the answer back: its grade, attempt and mistakes; your text stays",
        ),
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
        self.step_fields: dict[str, StepInput] = {}
        """The shown problem's step fields by checkpoint name (the answer box is not one)."""
        self.step_messages: dict[str, Static] = {}
        """Under each step field: why its text cannot be read (hidden until it cannot)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="drill-top", classes="title-bar"):
            yield Static(id="drill-topic")
            yield Static(id="drill-progress")
        with VerticalScroll(id="drill-body"):
            yield Static(id="prompt")
            yield Static(id="inputs")
            yield Static(id="hint")
            yield Static(id="steps-table")
            yield Static(id="verdict")
            yield Static(id="grade-line")
            yield Static(id="expected")
            yield Static(id="solution")
        yield Static(Text(STEPS_NOTE, no_wrap=True, overflow="ellipsis"), id="steps-note")
        yield VerticalScroll(id="steps")
        yield Static(id="reader-message", classes="warning-message")
        yield AnswerInput(id="answer", placeholder=PLACEHOLDER)
        yield KeysFooter()

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

    @property
    def stepwise(self) -> bool:
        """The shown problem is worked in named steps (more than its answer checkpoint)."""
        problem = self.problem
        return problem is not None and len(problem.checkpoints) > 1

    def field(self, name: str) -> Input:
        """The field of checkpoint `name` (the answer box for `answer`)."""
        if name == "answer":
            return self.query_one("#answer", Input)
        return self.step_fields[name]

    def step_message(self, name: str) -> Static:
        """Where checkpoint `name` says why its text cannot be read."""
        if name == "answer":
            return self.query_one("#reader-message", Static)
        return self.step_messages[name]

    def _fields(self) -> list[Input]:
        """Every field in order, the answer box last."""
        return [*self.step_fields.values(), self.query_one("#answer", Input)]

    def _show_step_fields(self, problem: Problem | None) -> None:
        """One labelled field per checkpoint before the answer, each with its message line."""
        rows = self.query_one("#steps", VerticalScroll)
        rows.remove_children()
        self.step_fields, self.step_messages = {}, {}
        answer_box = self.query_one("#answer", Input)
        points = problem.checkpoints if problem is not None else ()
        rows.display = self.query_one("#steps-note").display = len(points) > 1
        if len(points) <= 1:
            answer_box.border_title = None
            return
        widgets = []
        for point in points[:-1]:
            field = StepInput(compact=True, classes="step-field")
            field.cursor_blink = self.cursor_blink
            message = Static(classes="step-message warning-message")
            message.display = False
            self.step_fields[point.name], self.step_messages[point.name] = field, message
            label = Static(field_label(point.name, point.label), classes="step-label")
            widgets += [Horizontal(label, field, classes="step-row"), message]
        rows.mount(*widgets)
        answer = points[-1]
        answer_box.border_title = field_label(answer.name, answer.label)

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
        self.query_one("#steps-table", Static).display = False
        self._show_step_fields(problem)
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

    def _show_record(
        self, verdict_line: Text, given: str | None, steps: StepVerdictLike | None = None
    ) -> None:
        """After an answer (or giving up): the steps' table when the answer came in steps,
        the verdict, expected answer, the worked steps."""
        problem, record = self.problem, self.session.record
        assert problem is not None and record is not None
        self.answered = True
        answer_box = self.query_one("#answer", Input)
        answer_box.disabled = True
        answer_box.display = False  # "You typed" shows it; the room goes to the solution
        # the table shows what was typed
        self.query_one("#steps").display = self.query_one("#steps-note").display = False
        self.set_focus(None)
        self.query_one("#reader-message", Static).display = False
        self.query_one("#hint", Static).display = False
        verdict = self.query_one("#verdict", Static)
        verdict.display = True
        table = self.query_one("#steps-table", Static)
        table.display = steps is not None
        if steps is not None:
            table.update(steps_table(steps))
        parts: list[RenderableType] = [verdict_line]
        if given and steps is None:
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
        """As much of the solution as fits, without pushing the verdict off the top; the
        steps' table above it shows whole when there is room, else it is what scrolls away."""
        body = self.query_one("#drill-body", VerticalScroll)
        top = self.query_one("#verdict").virtual_region_with_margin.y
        table = self.query_one("#steps-table")
        if table.display:
            bottom = self.query_one("#grade-line").virtual_region_with_margin.bottom
            height = body.scrollable_content_region.height
            top = table.virtual_region_with_margin.y
            top = max(top, bottom - height)
        body.scroll_to(y=min(top, body.max_scroll_y), animate=False)

    def _grade_line(self) -> Text:
        record = self.session.record
        assert record is not None
        derived = record.derived
        hinted = self.session.hint_used and record.outcome == "correct"
        stepwise = self.session.verdict if hasattr(self.session.verdict, "steps") else None
        how = (
            (None if hinted else how_graded(stepwise, record.outcome))
            or OUTCOME_WORDS[record.outcome] + (" with the hint" if hinted else "")
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
        if action in ("next", "grade", "undo"):
            return self.answered and not self.finished
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, StepInput):
            self.action_next_field()
        elif self.check_action("check", ()):
            self.action_check()

    def action_next_field(self) -> None:
        self._round_fields(1)

    def action_previous_field(self) -> None:
        self._round_fields(-1)

    def _round_fields(self, by: int) -> None:
        """Round the fields of a stepwise problem (the answer's next is the first step);
        elsewhere Tab moves the focus as on any screen."""
        fields = self._fields()
        if self.stepwise and not self.answered and self.focused in fields:
            assert isinstance(self.focused, Input)
            fields[(fields.index(self.focused) + by) % len(fields)].focus()
        elif by > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_check(self) -> None:
        answer_box = self.query_one("#answer", Input)
        typed = answer_box.value.strip()
        message = self.query_one("#reader-message", Static)
        steps = {name: field.value.strip() for name, field in self.step_fields.items()}
        for note in self.step_messages.values():
            note.display = False
        if any(steps.values()):
            self._check_steps({**steps, "answer": typed})
            return
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

    def _check_steps(self, typed: Mapping[str, str]) -> None:
        """Grade the filled steps with the answer; nothing is graded while one cannot be read
        (each says why, under its field, and keeps its text) or the answer is missing."""
        self.step_message("answer").display = False
        try:
            with saving(self, "record the answer", self.collection):
                verdict: StepVerdictLike = self.session.submit(typed)
        except NotSaved:
            return
        if verdict.outcome != "unreadable":
            self._show_record(verdict_line(verdict), None, verdict)
            return
        first: Input | None = None
        for step in verdict.steps:
            if step.status == "unread":
                note = self.step_message(step.name)
                note.display = True
                note.update(Text.assemble(("Cannot read that: ", "bold"), step.message))
                first = first or self.field(step.name)
        answer = verdict.steps[-1]
        if answer.status == "missing":
            note = self.step_message("answer")
            note.display = True
            note.update(Text("Type the final answer too; the steps are checked with it."))
            first = first or self.field("answer")
        if first is not None:
            first.focus()

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

    def action_undo(self) -> None:
        """The answered problem again, unanswered, with what was typed still in its fields."""
        typed = {name: field.value for name, field in self.step_fields.items()}
        answer = self.query_one("#answer", Input).value
        try:
            with saving(self, "undo the answer", self.collection):
                self.session.undo()
        except NotSaved:
            return
        except GradeSuperseded as problem:  # drilled again in another terminal since
            self.notify(str(problem), title="Not undone", markup=False)
            return
        except LookupError as problem:
            self.notify(str(problem), title="Not undone", severity="warning", markup=False)
            return
        self.show_problem()
        self.query_one("#answer", Input).value = answer
        for name, text in typed.items():
            if name in self.step_fields:
                self.step_fields[name].value = text
        self.notify("Answer taken back.", timeout=2, markup=False)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#drill-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_next(self) -> None:
        self.session.next()
        self.show_problem()

    def action_close(self) -> None:
        self.dismiss()
