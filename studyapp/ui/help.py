"""The `?` help: every key of the screen in front, read from its bindings; in a drill,
also what an answer may be (the answer syntax the README gives too).

Nothing here is a hand-written list. `help_entries` reads the screen's BINDINGS and the
app's, groups keys bound to the same action ("down / j"), and notes which ones work
right now (grade keys, for instance, only once the answer is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


@dataclass(frozen=True)
class HelpEntry:
    """One line of the help: the keys, what they do, a longer note, and if usable now."""

    keys: str
    description: str
    detail: str
    available: bool


def help_entries(screen: Screen[Any]) -> list[HelpEntry]:
    """The keys of `screen` (its own BINDINGS first, or its HELP_BINDINGS when it repeats
    Textual's in BINDINGS; then the app's), one entry per action."""
    app = screen.app
    sources: list[tuple[Any, list[BindingType]]] = [
        (screen, list(getattr(screen, "HELP_BINDINGS", type(screen).BINDINGS))),
        (app, list(type(app).BINDINGS)),
    ]
    entries: list[HelpEntry] = []
    seen_keys: set[str] = set()
    for node, declared in sources:
        by_action: dict[str, list[Binding]] = {}
        for binding in Binding.make_bindings(declared):
            if binding.key in seen_keys:
                continue  # shadowed by the screen's own binding
            by_action.setdefault(binding.action, []).append(binding)
        for action, bindings in by_action.items():
            seen_keys.update(b.key for b in bindings)
            first = bindings[0]
            name, params = _split_action(action)
            state = node.check_action(name, params)
            entries.append(
                HelpEntry(
                    keys=" / ".join(app.get_key_display(b) for b in bindings),
                    description=first.description,
                    detail=first.tooltip,
                    available=state is True,
                )
            )
    return entries


def answer_syntax() -> Group:
    """Every form of answer with its examples, then what is not graded (from
    studyapp.answers.syntax, the same list the README's answer paragraph gives)."""
    from studyapp.collection import ANSWER_SYNTAX, NOT_GRADED

    forms = Table.grid(padding=(0, 2))
    forms.add_column(justify="right", style="bold")
    forms.add_column(ratio=1)
    for row in ANSWER_SYNTAX:
        examples = Text("   ").join(Text(example, style="cyan") for example in row.examples)
        if row.note:
            examples.append(f"\n{row.note}", style="dim")
        forms.add_row(row.form, examples)
    slips = Text("Not graded, only explained: ", style="bold")
    slips.append("; ".join(slip.replace("`", "") for slip in NOT_GRADED) + ".")
    keys = Text("Keys", style="bold")
    return Group(Text("Answers", style="bold"), forms, Text(), slips, Text(), keys)


def _split_action(action: str) -> tuple[str, tuple[object, ...]]:
    """`grade(4)` -> ("grade", (4,)); plain names have no parameters (Textual's own parser)."""
    _namespace, name, params = parse_action(action)
    return name, params


class HelpScreen(ModalScreen[None]):
    """A modal over the current screen listing its keys; Escape, `?`, q or Backspace closes it."""

    HELP_TITLE = "Help"
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,backspace", "close", "Close", tooltip="Back to the screen"),
        Binding("down,j", "scroll_down", "Scroll down", show=False, tooltip="A longer list"),
        Binding("up,k", "scroll_up", "Scroll up", show=False, tooltip="A longer list"),
    ]

    def __init__(self, title: str, entries: list[HelpEntry], answer_syntax: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries
        self.answer_syntax = answer_syntax

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            heading = "Answers and keys" if self.answer_syntax else "Keys"
            yield Static(Text.assemble((heading, "bold"), " · ", self.title_text), id="help-title")
            with VerticalScroll(id="help-scroll"):
                if self.answer_syntax:  # first: it is what a learner typing an answer needs
                    yield Static(answer_syntax(), id="help-syntax")
                yield Static(self._table(), id="help-table")
            yield Static(self._note(), id="help-note")

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", no_wrap=True, style="bold")
        table.add_column(no_wrap=True)
        table.add_column(style="dim", ratio=1)
        for entry in self.entries:
            style = "" if entry.available else "dim"
            table.add_row(
                Text(entry.keys, style=style or "bold"),
                Text(entry.description, style=style),
                Text(entry.detail),
            )
        return table

    def _note(self) -> Text:
        if all(entry.available for entry in self.entries):
            return Text("Escape closes this list.", style="dim")
        return Text("Dimmed keys work later on this screen.  Escape closes this list.", style="dim")

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll_down(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_up()
