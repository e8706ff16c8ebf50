"""The card forms every screen shares: add or edit a card, flag one, and the flows that
run them against the collection (home's and browse's `a`, review's and browse's `e`, `f`).

A form only collects text; the flow saves it through the collection (which records the
change's undo) and tells the calling screen, through `done`, that something changed.
Long text can be written in the learner's `$EDITOR` (ctrl+o; ctrl+e is already a box's
end of line), the app suspended meanwhile.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, RadioButton, RadioSet, Static, TextArea

from studyapp.ui.widgets import NotSaved, saving

if TYPE_CHECKING:
    from studyapp.collection import Collection

FIELD_LABELS = {
    "front": "Front",
    "back": "Back",
    "mnemonic": "Hook",
    "why": "Why",
    "tags": "Tags",
}
MULTILINE = ("front", "back")
FLAG_LABELS = {"wrong": "Wrong — a fact on it is not right", "unclear": "Unclear — hard to answer"}


@dataclass(frozen=True)
class CardDraft:
    """What the card form gives back: the deck (adding only) and the text of each field."""

    deck: str
    fields: dict[str, str | None]


@dataclass(frozen=True)
class FlagChoice:
    """What the flag dialog gives back: a kind and a note, or kind None to remove the flag."""

    kind: str | None
    note: str = ""


def editor_command() -> list[str]:
    """The learner's editor: $VISUAL, else $EDITOR, else vi."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def _freeze_cursors(screen: Screen[Any]) -> None:
    """The boxes' cursors blink as the app's do (screenshots freeze them)."""
    blink = bool(getattr(screen.app, "cursor_blink", True))
    for box in screen.query(Input):
        box.cursor_blink = blink
    for area in screen.query(TextArea):
        area.cursor_blink = blink


class CardFormScreen(ModalScreen[CardDraft | None]):
    """A card's fields in boxes; ctrl+s (or Enter in a one-line box) saves."""

    HELP_TITLE = "Card form"
    CSS_PATH = "card_forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the card (Enter in a one-line box too)"),
        Binding(
            "ctrl+o",
            "editor",
            "$EDITOR",
            tooltip="Write the box you are in with your own editor ($VISUAL or $EDITOR)",
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Close the form; nothing is saved"),
    ]

    def __init__(
        self,
        title: str,
        fields: dict[str, str | None],
        deck: str | None = None,
        decks: list[str] | None = None,
        note: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.fields, self.note = title, fields, note
        self.deck = deck
        """The deck box's text when adding; None when editing (the card stays in its deck)."""
        self.decks = decks or []

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="form-title")
            if self.note:
                yield Static(Text(self.note, style="dim"), id="form-note")
            if self.deck is not None:
                with Horizontal(classes="form-row"):
                    yield Label("Deck", classes="form-label")
                    yield Input(
                        self.deck,
                        placeholder="yours: a new name makes one",
                        suggester=SuggestFromList(self.decks, case_sensitive=False),
                        id="field-deck",
                        compact=True,
                    )
            for name, label in FIELD_LABELS.items():
                value = self.fields.get(name) or ""
                with Horizontal(classes=f"form-row row-{name}"):
                    yield Label(label, classes="form-label")
                    if name in MULTILINE:
                        area = TextArea(value, id=f"field-{name}", soft_wrap=True, compact=True)
                        area.show_line_numbers = False
                        yield area
                    else:
                        hint = "space-separated" if name == "tags" else "optional"
                        yield Input(value, placeholder=hint, id=f"field-{name}", compact=True)
            yield Static(
                Text.assemble(
                    ("ctrl+s", "bold"),
                    " save · ",
                    ("ctrl+o", "bold"),
                    " this box in $EDITOR · ",
                    ("Esc", "bold"),
                    " cancel",
                    style="dim",
                ),
                id="form-keys",
            )

    def on_mount(self) -> None:
        _freeze_cursors(self)
        first = "#field-deck" if self.deck is not None and not self.deck else "#field-front"
        self.query_one(first).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _value(self, name: str) -> str:
        widget = self.query_one(f"#field-{name}")
        return widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]

    def action_save(self) -> None:
        fields: dict[str, str | None] = {name: self._value(name) for name in FIELD_LABELS}
        deck = self._value("deck").strip() if self.deck is not None else ""
        missing = [FIELD_LABELS[n].lower() for n in MULTILINE if not (fields[n] or "").strip()]
        if self.deck is not None and not deck:
            missing.insert(0, "deck")
        if missing:
            self.notify(
                f"A card needs a {' and a '.join(missing)}.", title="Not saved", markup=False
            )
            return
        self.dismiss(CardDraft(deck, fields))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_editor(self) -> None:
        """Hand the focused box to the learner's editor and take back what they saved."""
        widget = self.focused
        if not isinstance(widget, Input | TextArea) or not (widget.id or "").startswith("field-"):
            self.notify("Move to a box first (Tab).", markup=False)
            return
        text = widget.text if isinstance(widget, TextArea) else widget.value
        edited = self._run_editor(text)
        if edited is None:
            return
        if isinstance(widget, TextArea):
            widget.load_text(edited.rstrip("\n"))
        else:
            widget.value = " ".join(edited.split()) if widget.id == "field-tags" else edited.strip()

    def _run_editor(self, text: str) -> str | None:
        handle, name = tempfile.mkstemp(prefix="studyapp-card-", suffix=".txt")
        path = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            try:
                with self.app.suspend():
                    finished = subprocess.run([*editor_command(), str(path)], check=False)
            except SuspendNotSupported:
                self.notify(
                    "This terminal cannot hand over to an editor; type in the box.",
                    severity="warning",
                    markup=False,
                )
                return None
            except OSError as error:
                self.notify(
                    f"Could not start the editor: {error}", severity="warning", markup=False
                )
                return None
            if finished.returncode != 0:
                self.notify("The editor gave up; the box is unchanged.", markup=False)
                return None
            return path.read_text(encoding="utf-8")
        finally:
            path.unlink(missing_ok=True)


class FlagScreen(ModalScreen[FlagChoice | None]):
    """Flag a card as wrong or unclear, with a note for whoever keeps the decks."""

    HELP_TITLE = "Flag"
    CSS_PATH = "card_forms.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Flag", tooltip="Flag the card (Enter in the note too)"),
        Binding(
            "ctrl+r", "remove", "Remove flag", tooltip="Take the card's flag away (when it has one)"
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Close; the card's flag stays as it was"),
    ]

    def __init__(self, front: str, kind: str = "wrong", note: str = "", flagged: bool = False):
        super().__init__()
        self.front, self.kind, self.note, self.flagged = front, kind, note, flagged

    def compose(self) -> ComposeResult:
        with Vertical(id="flag-box", classes="dialog"):
            yield Static(Text("Flag this card", style="bold"), id="flag-title")
            yield Static(Text(" ".join(self.front.split())[:120], style="dim"), id="flag-front")
            with RadioSet(id="flag-kind", compact=True):
                for kind, label in FLAG_LABELS.items():
                    yield RadioButton(label, value=kind == self.kind, name=kind, compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Note", classes="form-label")
                yield Input(
                    self.note,
                    placeholder="optional: what is wrong or unclear",
                    id="flag-note",
                    compact=True,
                )
            keys: list[str | tuple[str, str]] = [("Enter", "bold"), " flags · "]
            if self.flagged:
                keys += [("ctrl+r", "bold"), " removes the flag · "]
            yield Static(
                Text.assemble(*keys, ("Esc", "bold"), " cancels", style="dim"), id="form-keys"
            )

    def on_mount(self) -> None:
        _freeze_cursors(self)
        self.query_one("#flag-note", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.flagged if action == "remove" else True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        pressed = self.query_one("#flag-kind", RadioSet).pressed_button
        kind = pressed.name if pressed is not None and pressed.name else "wrong"
        self.dismiss(FlagChoice(kind, self.query_one("#flag-note", Input).value))

    def action_remove(self) -> None:
        self.dismiss(FlagChoice(None))

    def action_cancel(self) -> None:
        self.dismiss(None)


# ------------------------------------------------------------------------------ flows


def add_card(
    screen: Screen[Any], collection: Collection, done: Callable[[str], None], deck: str = ""
) -> None:
    """Ask for a new card and add it to the deck named in the form (made if new)."""
    decks = [name for _, name in collection.own_decks()]
    if not deck and decks:
        deck = decks[0]

    def saved(draft: CardDraft | None) -> None:
        if draft is None:
            return
        from studyapp.collection import CardProblem

        try:
            with saving(screen, "add the card", collection):
                card_id = collection.add_card(draft.deck, draft.fields)
        except NotSaved:
            return
        except CardProblem as problem:
            screen.notify(str(problem), title="Not added", severity="warning", markup=False)
            return
        screen.notify(f"Added to {draft.deck}; it comes as a new card.", timeout=3, markup=False)
        done(card_id)

    empty: dict[str, str | None] = dict.fromkeys(FIELD_LABELS, "")
    screen.app.push_screen(CardFormScreen("Add a card", empty, deck, decks), saved)


def edit_card(
    screen: Screen[Any], collection: Collection, card_id: str, done: Callable[[str], None]
) -> None:
    """Edit a card's text in the form; a bundled card's edit is kept as the learner's own."""
    try:
        text = collection.card_text(card_id)
    except LookupError as problem:
        screen.notify(str(problem), title="Not edited", severity="warning", markup=False)
        return
    note = f"{text.deck_name} · {text.id}"
    if text.bundled_deck:
        note += " · your version is kept when the bundled deck is updated"

    def saved(draft: CardDraft | None) -> None:
        if draft is None:
            return
        from studyapp.collection import CardProblem

        try:
            with saving(screen, "save the card", collection):
                changed = collection.edit_card(card_id, draft.fields)
        except NotSaved:
            return
        except (CardProblem, LookupError) as problem:
            screen.notify(str(problem), title="Not saved", severity="warning", markup=False)
            return
        if changed:
            screen.notify("Card saved (u undoes it).", timeout=2, markup=False)
            done(card_id)

    screen.app.push_screen(CardFormScreen("Edit the card", text.fields, note=note), saved)


def flag_card(
    screen: Screen[Any], collection: Collection, card_id: str, done: Callable[[str], None]
) -> None:
    """Flag a card as wrong or unclear (or change or remove its flag)."""
    card = collection.card(card_id)
    if card is None:
        screen.notify("That card is gone.", severity="warning", markup=False)
        return
    flag = collection.flag_of(card_id)

    def chosen(choice: FlagChoice | None) -> None:
        if choice is None:
            return
        try:
            with saving(screen, "flag the card", collection):
                if choice.kind is None:
                    collection.unflag_card(card_id)
                else:
                    collection.flag_card(card_id, choice.kind, choice.note)
        except NotSaved:
            return
        except LookupError as problem:
            screen.notify(str(problem), title="Not flagged", severity="warning", markup=False)
            return
        said = "Flag removed" if choice.kind is None else f"Flagged as {choice.kind}"
        screen.notify(f"{said} (u undoes it).", timeout=2, markup=False)
        done(card_id)

    dialog = (
        FlagScreen(card.question)
        if flag is None
        else FlagScreen(card.question, flag.kind, flag.note, flagged=True)
    )
    screen.app.push_screen(dialog, chosen)


def undo_change(screen: Screen[Any], collection: Collection) -> str | None:
    """Take back the session's newest change that is not a grade; says so, returns what."""
    from studyapp.collection import CardProblem

    try:
        with saving(screen, "undo", collection):
            undone = collection.undo_change()
    except NotSaved:
        return None
    except (CardProblem, LookupError) as problem:
        screen.notify(str(problem), title="Not undone", severity="warning", markup=False)
        return None
    if undone is None:
        screen.notify("Nothing to undo.", markup=False)
    else:
        screen.notify(f"Undone: {undone}", timeout=2, markup=False)
    return undone
