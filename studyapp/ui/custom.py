"""Custom study: a small menu over home or browse for study beyond today's plan.

One list of kinds and one box for its number or its cards: `n` more new cards today (today
only), review ahead `n` days, cram a deck, tag or search (or browse's result), again
today's failures, drill one family of topics. Enter starts the highlighted kind with the
box's value; a cram leaves the schedule alone unless Ctrl+R asks for grades that count.
The screen starts sessions by messages to the app (ui/messages.py), as home does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.ui.messages import StartDrill, StartReview
from studyapp.ui.widgets import NotSaved, saving

if TYPE_CHECKING:
    from studyapp.collection import Collection, CustomStudy

DEFAULT_NEW = "10"
DEFAULT_AHEAD = "3"


@dataclass(frozen=True)
class Kind:
    """One line of the menu: its key in the list, its words, and what its box asks."""

    id: str
    label: str
    asks: str
    """What the box holds for it ("" : it takes nothing)."""


KINDS = (
    Kind("new", "More new cards today", "how many more (today only)"),
    Kind("ahead", "Review ahead", "days ahead"),
    Kind("cram", "Cram a deck, tag or search", "deck:ID, tag:NAME or words"),
    Kind("failures", "Again: today's failures", ""),
    Kind("drill", "Drill one family of topics", ""),
)


class CustomStudyScreen(ModalScreen[None]):
    """The custom-study menu (home `c`, browse `c`)."""

    HELP_TITLE = "Custom study"
    CSS_PATH = "custom.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "start", "Start", tooltip="Start the highlighted kind with the box's value"
        ),
        Binding(
            "ctrl+r",
            "reschedule",
            "Reschedule",
            tooltip="A cram whose grades move the schedule as a review's would (off: untouched)",
        ),
        Binding(
            "tab", "swap_focus", "List/box", show=False, tooltip="Between the list and the box"
        ),
        Binding("escape", "close", "Back", tooltip="Close the menu (or leave the families)"),
    ]

    def __init__(
        self,
        collection: Collection,
        deck: str | None = None,
        card_ids: tuple[str, ...] | None = None,
        about: str = "",
    ) -> None:
        super().__init__()
        self.collection = collection
        self.deck = deck
        self.card_ids = card_ids
        """Browse's search result: the cram takes exactly these cards."""
        self.about = about
        self.reschedule = False
        self.families: list[tuple[str, str, list[str]]] | None = None
        """Shown instead of the kinds once "drill" is chosen (None: the kinds are shown)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="custom-box", classes="dialog") as box:
            box.border_title = "Custom study"
            yield OptionList(*self._kind_options(), id="custom-kinds")
            yield Input(id="custom-value", select_on_focus=False)
            yield Static(id="custom-note", classes="muted")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        box = self.query_one("#custom-value", Input)
        box.cursor_blink = False
        kinds = self.query_one("#custom-kinds", OptionList)
        kinds.highlighted = 2 if self.card_ids is not None else 0
        kinds.focus()
        self._describe()

    def _kind_options(self) -> list[Option]:
        failures = self.collection.custom_count(self._custom("failures", ""))
        options = []
        for kind in KINDS:
            label = Text(kind.label)
            if kind.id == "cram" and self.card_ids is not None:
                label = Text(f"Cram these {len(self.card_ids)} cards ({self.about})")
            if kind.id == "failures":
                label.append(f"  · {failures} {'card' if failures == 1 else 'cards'}", "dim")
            options.append(Option(label, id=kind.id))
        return options

    # -------------------------------------------------------------- the box

    def _kind(self) -> Kind | None:
        if self.families is not None:
            return None
        index = self.query_one("#custom-kinds", OptionList).highlighted
        return KINDS[index] if index is not None else None

    @on(OptionList.OptionHighlighted, "#custom-kinds")
    def _highlighted(self) -> None:
        if self.is_mounted:
            self._describe()

    def _describe(self) -> None:
        """Fit the box and the note to the highlighted kind."""
        kind, box = self._kind(), self.query_one("#custom-value", Input)
        note = self.query_one("#custom-note", Static)
        if kind is None:  # the families
            box.display = False
            note.update(Text("Enter drills the highlighted family; Escape goes back."))
            return
        box.display = bool(kind.asks)
        box.border_title = kind.asks
        keys = Text.assemble(("Enter", "bold"), " starts", style="dim")
        if kind.asks and not (kind.id == "cram" and self.card_ids is not None):
            keys.append_text(Text.assemble(" · ", ("Tab", "bold"), " to the box", style="dim"))
        keys.append_text(Text.assemble(" · ", ("Esc", "bold"), " back", style="dim"))
        box.value = {
            "new": DEFAULT_NEW,
            "ahead": DEFAULT_AHEAD,
            "cram": "" if self.card_ids is not None else f"deck:{self.deck}" if self.deck else "",
        }.get(kind.id, "")
        box.disabled = kind.id == "cram" and self.card_ids is not None
        note.update(Text.assemble(self._note(kind.id), "\n", keys))

    def _note(self, kind: str) -> Text:
        if kind == "new":
            return Text("Raises today's new-card limit; new_per_day stays as it is.")
        if kind == "ahead":
            return Text("Grades schedule from today, the day you actually review.")
        if kind == "cram":
            counts = "Grades move the schedule" if self.reschedule else "The schedule is untouched"
            return Text.assemble(
                (counts, "bold"), " (Ctrl+R changes it); grades are logged as crams."
            )
        if kind == "failures":
            return Text("Cards graded below 3 today, asked again without rescheduling.")
        return Text("Every topic of one family, at its own level.")

    # -------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reschedule":
            kind = self._kind() if self.is_mounted else None
            return kind is not None and kind.id == "cram"
        return True

    def action_swap_focus(self) -> None:
        kinds, box = self.query_one("#custom-kinds", OptionList), self.query_one("#custom-value")
        (box if kinds.has_focus and box.display and not box.disabled else kinds).focus()

    def action_reschedule(self) -> None:
        self.reschedule = not self.reschedule
        self._describe_keeping_value()

    def _describe_keeping_value(self) -> None:
        box = self.query_one("#custom-value", Input)
        value = box.value
        self._describe()
        box.value = value

    def action_close(self) -> None:
        if self.families is not None:
            self.families = None
            kinds = self.query_one("#custom-kinds", OptionList)
            kinds.set_options(self._kind_options())
            kinds.highlighted = 4
            self._describe()
            return
        self.dismiss()

    @on(OptionList.OptionSelected, "#custom-kinds")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    @on(Input.Submitted, "#custom-value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        kinds = self.query_one("#custom-kinds", OptionList)
        if self.families is not None:
            index = kinds.highlighted
            if index is not None:
                topics = self.families[index][2]
                self._leave(StartDrill(topics))
            return
        kind = self._kind()
        if kind is None:
            return
        value = self.query_one("#custom-value", Input).value.strip()
        if kind.id == "new":
            self._more_new(value)
        elif kind.id == "drill":
            self.families = self.collection.drill_families()
            kinds.set_options(
                Option(Text.assemble(title, (f"  {len(ids)} topics", "dim")), id=family)
                for family, title, ids in self.families
            )
            kinds.highlighted = 0
            kinds.focus()
            self._describe()
        else:
            self._review(kind.id, value)

    def _more_new(self, value: str) -> None:
        try:
            count = int(value)
            with saving(self, "add new cards", self.collection):
                extra = self.collection.more_new_today(count)
        except NotSaved:
            return
        except ValueError:
            self._refuse(f"Type how many more new cards, 1 to 9999 (not {value!r}).")
            return
        self.app.notify(
            f"{count} more new cards today ({extra} extra in all): r reviews them.",
            title="Custom study",
            markup=False,
        )
        self.dismiss()

    def _custom(self, kind: str, value: str) -> CustomStudy:
        """The session `kind` asks for with the box's `value` (ValueError: not usable)."""
        from studyapp.collection import CustomStudy

        if kind == "ahead":
            return CustomStudy("ahead", days=int(value))
        if kind == "failures":
            return CustomStudy("failures")
        if self.card_ids is not None:
            return CustomStudy(
                "cram", card_ids=self.card_ids, text=self.about, reschedule=self.reschedule
            )
        deck = value[5:].strip() if value.startswith("deck:") else None
        tag = value[4:].strip() if value.startswith("tag:") else None
        words = "" if deck or tag else value
        return CustomStudy("cram", deck=deck, tag=tag, text=words, reschedule=self.reschedule)

    def _review(self, kind: str, value: str) -> None:
        try:
            custom = self._custom(kind, value)
        except ValueError as problem:
            words = "Type a number of days, 1 to 365." if kind == "ahead" else str(problem)
            self._refuse(words)
            return
        if not self.collection.custom_count(custom):
            self._refuse(f"{custom.title}: no card to ask.")
            return
        self._leave(StartReview(custom=custom))

    def _refuse(self, message: str) -> None:
        self.notify(message, title="Custom study", severity="warning", markup=False)

    def _leave(self, message: StartReview | StartDrill) -> None:
        """Close the menu, then have the app start the session over the screen below."""
        app = self.app
        self.dismiss()
        app.post_message(message)
