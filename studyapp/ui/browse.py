"""Browse: search the cards, see each one's schedule, suspend or reset it.

Typing in the search box (or the tag box) updates the table after a short pause;
the deck filter applies at once. `s` suspends or brings back the highlighted card,
`r` resets its schedule after a confirmation, Enter shows the whole card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

import studyapp.ui.card_forms as card_forms
from studyapp.ui.messages import OpenCustomStudy
from studyapp.ui.widgets import NotSaved, answer_text, number, saving

if TYPE_CHECKING:
    from studyapp.collection import CardRow, CardView, Collection

SEARCH_DELAY = 0.25
"""Seconds of quiet typing before the search runs."""

SHAPING_BINDINGS: list[BindingType] = [
    Binding(
        "a",
        "add_card",
        "Add",
        show=False,  # the footer is full at 80 columns; `?` lists it
        tooltip="Write a card of your own, into a deck of yours",
    ),
    Binding("e", "edit_card", "Edit", tooltip="Edit the highlighted card (its history is kept)"),
    Binding("f", "flag_card", "Flag", tooltip="Flag the highlighted card as wrong or unclear"),
    Binding(
        "v",
        "revert_card",
        "Revert",
        tooltip="Give an edited bundled card (marked ✎) the bundled deck's text again",
    ),
    Binding("u", "undo_change", "Undo", tooltip="Take back the last add, edit, flag, suspend…"),
]
"""Issue 15's keys: add, edit, flag, revert and undo (their actions are below, together)."""

FLAG_FILTER = "flag:"
"""In the search box, `flag:` keeps the flagged cards (`flag:wrong`, `flag:unclear` one kind)."""


def flag_filter(text: str) -> tuple[str, str | None]:
    """The search text without its `flag:` word, and the kind asked ("" any flag, None: no
    filter)."""
    kept, kind = [], None
    for word in text.split():
        if word.lower().startswith(FLAG_FILTER):
            kind = word[len(FLAG_FILTER) :].lower()
        else:
            kept.append(word)
    return " ".join(kept), kind


def marked(rows: list[CardRow], marks: dict[str, str], kind: str | None) -> list[CardRow]:
    """The rows a `flag:` filter keeps (all of them without one)."""
    if kind is None:
        return rows
    wanted = {"wrong": "⚑", "unclear": "?"}.get(kind)
    return [
        row
        for row in rows
        if (mark := marks.get(row.id, "")) and (mark[0] == wanted if wanted else mark[0] in "⚑?")
    ]


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y or Enter says yes, n or Escape says no."""

    HELP_TITLE = "Confirm"
    CSS_PATH = "browse.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", tooltip="Go ahead"),
        Binding("n,escape,q,backspace", "answer(False)", "No", tooltip="Leave it as it is"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(Text(self.question, style="bold"), id="confirm-question")
            if self.detail:
                yield Static(Text(self.detail, style="dim"), id="confirm-detail")
            yield Static(
                Text.assemble(("y", "bold"), " yes    ", ("n", "bold"), " no"), id="confirm-keys"
            )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class CardScreen(ModalScreen[None]):
    """The whole card with its schedule, over the browse table."""

    HELP_TITLE = "Card"
    CSS_PATH = "browse.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q,backspace", "close", "Close", tooltip="Back to the table"),
    ]

    def __init__(self, card: CardView, suspended: bool, source: str | None = None) -> None:
        super().__init__()
        self.card, self.suspended, self.source = card, suspended, source

    def compose(self) -> ComposeResult:
        card = self.card
        with Vertical(id="card-box", classes="dialog"):
            yield Static(
                Text.assemble((card.deck_name, "bold"), ("  ·  ", "dim"), (card.id, "dim")),
                id="card-head",
            )
            with VerticalScroll(id="card-scroll"):
                yield Static(self._body(card))
            yield Static(Text("Escape closes", style="dim"))

    def _body(self, card: CardView) -> Group:
        parts: list[Text | Table] = [
            Text(card.question, style="bold"),
            Text(""),
            answer_text(card.answer_parts),
        ]
        for label, value in (("Hook", card.mnemonic), ("Why", card.why), ("Source", self.source)):
            if value:
                parts += [Text(""), Text.assemble((f"{label}  ", "bold"), value)]
        state = card.state
        schedule = Table.grid(padding=(0, 2))
        for _ in range(6):
            schedule.add_column()
        schedule.add_row(
            *(Text(h, style="dim") for h in ("EF", "reps", "interval", "due", "lapses", "tags"))
        )
        schedule.add_row(
            f"{state.easiness:.2f}",
            str(state.repetitions),
            f"{state.interval} d",
            state.due.isoformat() if state.due else "new",
            str(state.lapses),
            Text(" ".join(card.tags) or "–"),
        )
        parts += [Text(""), schedule]
        if self.suspended:
            parts.append(Text("suspended — s in the table brings it back", style="bold"))
        return Group(*parts)

    def action_close(self) -> None:
        self.dismiss()


class CardTable(DataTable[Text]):
    """The card list; its Enter is labelled for the footer and comes in typing order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Card", tooltip="The whole highlighted card"),
    ]


class BrowseScreen(Screen[None]):
    """Every card, searchable by text, deck and tag, with its SM-2 schedule."""

    HELP_TITLE = "Browse"
    CSS_PATH = "browse.tcss"
    AUTO_FOCUS = "#search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "suspend",
            "Suspend/resume",
            tooltip="Suspend the highlighted card or bring it back",
        ),
        Binding(
            "r",
            "reset",
            "Reset",
            tooltip="Forget the card's schedule (asks first); history is kept",
        ),
        Binding("enter", "show_card", "Card", tooltip="The whole highlighted card"),
        Binding("c", "cram", "Cram these", tooltip="Custom study over the cards listed: cram them"),
        *SHAPING_BINDINGS,
        Binding(
            "down", "focus_table", "To the table", show=False, tooltip="From a box: to the cards"
        ),
        Binding("j", "cursor(1)", "Next card", show=False, tooltip="In the table: move down"),
        Binding("k", "cursor(-1)", "Previous card", show=False, tooltip="In the table: move up"),
        Binding("slash,ctrl+f", "focus_search", "Search", tooltip="Jump to the search box"),
        Binding(
            "escape,q,backspace",
            "close",
            "Home",
            tooltip="Back to the home screen (q and Backspace: when not typing in a box)",
        ),
    ]

    def __init__(self, collection: Collection, cursor_blink: bool = True) -> None:
        super().__init__()
        self.collection = collection
        self.cursor_blink = cursor_blink
        """False freezes the text boxes' cursors (for screenshots)."""
        self.rows: dict[str, CardRow] = {}
        self.marks: dict[str, str] = {}
        """Card id -> "⚑" flagged wrong, "?" unclear, "✎" edited bundled card."""
        self._deck_ids: list[str] = []
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Browse", style="bold"), id="browse-title", classes="title-bar")
        with Horizontal(id="filters"):
            yield Input(placeholder="search front, back, tags", id="search")
            decks = self.collection.decks()
            self._deck_ids = [deck_id for deck_id, _ in decks]
            yield Select[str](
                [(Text(name), deck_id) for deck_id, name in decks],
                prompt="all decks",
                id="deck",
            )
            yield Input(placeholder="tag", id="tag")
        yield CardTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield Static(id="browse-count", classes="message")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = self.cursor_blink
        width = self.app.size.width
        deck_width = 10 if width < 100 else 16
        table = self.query_one("#cards", DataTable)
        table.add_column("Deck", key="deck", width=deck_width)
        table.add_column("Front", key="front", width=max(18, width - 56 - deck_width))
        table.add_column(Text("EF", justify="right"), key="ef")
        table.add_column(Text("Reps", justify="right"), key="reps")
        table.add_column(Text("Ivl", justify="right"), key="ivl")
        table.add_column("Due", key="due")
        table.add_column(Text("Lapses", justify="right"), key="lapses")
        table.add_column("", key="suspended")
        table.add_column("", key="mark", width=2)
        self.search()

    # -------------------------------------------------------------- searching

    @on(Input.Changed)
    def _typed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.search)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.search()
        self.query_one("#cards", DataTable).focus()

    @on(Select.Changed, "#deck")
    def _deck_changed(self) -> None:
        self.search()

    def search(self) -> None:
        """Run the search with the current filters and fill the table."""
        text, flag_kind = flag_filter(self.query_one("#search", Input).value)
        tag = self.query_one("#tag", Input).value.strip() or None
        deck_value = self.query_one("#deck", Select).value
        deck = deck_value if isinstance(deck_value, str) else None
        self.marks = self.collection.card_marks()
        rows = marked(self.collection.search_cards(text, deck=deck, tag=tag), self.marks, flag_kind)
        names = dict(self.collection.decks())
        table = self.query_one("#cards", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = {row.id: row for row in rows}
        for row in rows:
            mark = Text(self.marks.get(row.id, ""), style="bold yellow")
            table.add_row(*self._cells(row, names), mark, key=row.id)
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1), animate=False)
        count = len(rows)
        self.query_one("#browse-count", Static).update(
            Text(
                f"{count} card{'s' if count != 1 else ''}"
                + (" (the first 1000)" if count >= 1000 else "")
                + "  ·  Tab moves between the search, the filters and the table",
                style="dim",
            )
        )
        self.refresh_bindings()

    @staticmethod
    def _cells(row: CardRow, names: dict[str, str]) -> list[Text]:
        style = "dim" if row.suspended else ""
        front = " ".join(row.front.split())
        return [
            Text(names.get(row.deck_id, row.deck_id), style="dim"),
            Text(front, style=style),
            Text(number(row.easiness, 2), justify="right", style=style),
            Text(str(row.repetitions), justify="right", style=style),
            Text(f"{row.interval}d" if row.due else "–", justify="right", style=style),
            Text(_due(row.due), style=style),
            Text(str(row.lapses), justify="right", style=style),
            Text("susp." if row.suspended else "", style="bold"),
        ]

    # -------------------------------------------------------------- keys

    def _highlighted(self) -> CardRow | None:
        table = self.query_one("#cards", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revert_card":
            row = self._highlighted() if self.is_mounted else None
            return row is not None and "✎" in self.marks.get(row.id, "")
        if action in ("suspend", "reset", "show_card", "edit_card", "flag_card", "revert_card"):
            if not self.is_mounted:
                return True
            table = self.query_one("#cards", DataTable)
            return table.has_focus and table.row_count > 0
        if action == "focus_table":
            return isinstance(self.focused, Input)
        if action == "cursor":
            return not self.is_mounted or self.query_one("#cards", DataTable).has_focus
        return True

    def action_suspend(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        try:
            with saving(self, "change the card", self.collection):
                self.collection.suspend(row.id, not row.suspended)
        except NotSaved:
            return
        except LookupError as problem:
            self.notify(str(problem), title="Not changed", severity="warning", markup=False)
            return
        self.notify(
            f"{'Brought back' if row.suspended else 'Suspended'}: {row.front[:50]}",
            timeout=2,
            markup=False,
        )
        self.search()

    def action_reset(self) -> None:
        row = self._highlighted()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with saving(self, "reset the card", self.collection):
                    self.collection.reset(row.id)
            except NotSaved:
                return
            except LookupError as problem:
                self.notify(str(problem), title="Not reset", severity="warning", markup=False)
                return
            self.notify(f"Reset: {row.front[:50]}", timeout=2, markup=False)
            self.search()

        self.app.push_screen(
            ConfirmScreen(
                "Reset this card's schedule?",
                f"“{row.front[:70]}” becomes new again (EF 2.5, no interval). "
                "Its review history is kept.",
            ),
            answered,
        )

    def action_cram(self) -> None:
        """Custom study with this search result as the cram (issue 15)."""
        if not self.rows:
            self.notify("No card is listed: nothing to cram.", markup=False)
            return
        words = self.query_one("#search", Input).value.strip()
        about = f"search “{words}”" if words else "browse's list"
        self.post_message(OpenCustomStudy(card_ids=tuple(self.rows), about=about))

    # -------------------------------------------------------------- add, edit, flag

    def _changed(self, _card_id: str = "") -> None:
        """After a change: a deck made or removed joins the deck filter; the table is redone."""
        decks = self.collection.decks()
        if [d for d, _ in decks] != self._deck_ids:
            self._deck_ids = [d for d, _ in decks]
            select = self.query_one("#deck", Select)
            chosen = select.value
            select.set_options([(Text(name), deck_id) for deck_id, name in decks])
            if isinstance(chosen, str) and chosen in self._deck_ids:
                select.value = chosen
        self.search()

    def action_add_card(self) -> None:
        deck_value = self.query_one("#deck", Select).value
        own = dict(self.collection.own_decks())
        deck = own.get(deck_value, "") if isinstance(deck_value, str) else ""
        card_forms.add_card(self, self.collection, self._changed, deck)

    def action_edit_card(self) -> None:
        row = self._highlighted()
        if row is not None:
            card_forms.edit_card(self, self.collection, row.id, self._changed)

    def action_flag_card(self) -> None:
        row = self._highlighted()
        if row is not None:
            card_forms.flag_card(self, self.collection, row.id, self._changed)

    def action_revert_card(self) -> None:
        row = self._highlighted()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with saving(self, "revert the card", self.collection):
                    self.collection.revert_card(row.id)
            except NotSaved:
                return
            except LookupError as problem:
                self.notify(str(problem), title="Not reverted", severity="warning", markup=False)
                return
            self.notify("Back to the bundled text (u undoes it).", timeout=2, markup=False)
            self.search()

        self.app.push_screen(
            ConfirmScreen(
                "Go back to the bundled text of this card?",
                f"“{row.front[:70]}” loses your edit; u brings it back in this session.",
            ),
            answered,
        )

    def action_undo_change(self) -> None:
        if card_forms.undo_change(self, self.collection) is not None:
            self._changed()

    def action_show_card(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        card = self.collection.card(row.id)
        if card is None:
            self.notify("That card is gone.", severity="warning", markup=False)
            return
        source = self.collection.source_line(card)
        self.app.push_screen(CardScreen(card, row.suspended, source))

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#cards", DataTable)
        table.move_cursor(row=table.cursor_row + step, animate=False)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_close(self) -> None:
        self.dismiss()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show_card()

    def action_focus_table(self) -> None:
        self.query_one("#cards", DataTable).focus()


def _due(iso: str | None) -> str:
    """A due date as "11 Mar 26" (short and unambiguous), or "new"."""
    if iso is None:
        return "new"
    from datetime import date

    return date.fromisoformat(iso).strftime("%d %b %y")
