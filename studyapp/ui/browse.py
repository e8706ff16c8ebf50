"""Browse: search the cards, sort them, see each one's schedule and history, suspend or
reset it, and take either back.

Typing in the search box (or the tag box) searches after a short pause, in a worker thread
(the UI thread only starts it and later fills the table; a result that a newer search has
overtaken is dropped); the deck and show filters apply at once. `o` sorts by the next
column and `O` reverses it (or click a header); `s` suspends or brings back the highlighted
card, `r` resets its schedule after a confirmation, `u` undoes either, Enter shows the whole
card with its review history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static
from textual.widgets.data_table import RowKey
from textual.worker import get_current_worker

import studyapp.ui.card_forms as card_forms
from studyapp.ui.browse_terms import TagSuggester, TermSuggester
from studyapp.ui.card_history import CardHistory
from studyapp.ui.messages import OpenCustomStudy
from studyapp.ui.widgets import NotSaved, answer_text, number, saving

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from rich.console import JustifyMethod

    from studyapp.collection import CardRow, CardView, Collection, HistoryEntry

SEARCH_DELAY = 0.15
ROWS_AT_ONCE = 50
"""Rows put in the table at once: a search's first rows, then the next ones each time the
cursor nears the end. Adding a row costs the UI thread about 0.2 ms, so the 1000 rows of a
search at once would hold it for a fifth of a second; the worker has made them all."""
"""Seconds of quiet typing before the search starts (each search is a thread of its own)."""

COLUMNS: tuple[tuple[str, str, int | None, bool], ...] = (
    ("deck", "Deck", None, False),
    ("front", "Front", None, False),
    ("ef", "EF", 4, True),
    ("reps", "Reps", 5, True),
    ("interval", "Ivl", 4, True),
    ("date", "Due", 9, False),
    ("lapses", "Lapses", 7, True),
    ("marker", "", 6, False),
)
"""The table's columns: key, header, width (room for a sort arrow), right-aligned. The
date column shows the due day, or the added day while the table is sorted by it."""
WIDE_COLUMNS = 100
"""From this many columns the table shows every column; below, the deck column narrows and
EF and Lapses (in the card view, Enter) give Front their room, unless the table is sorted
by one of them."""
NARROW_DROPS = ("ef", "lapses")

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

    def __init__(
        self,
        card: CardView,
        suspended: bool,
        source: str | None = None,
        history: Callable[[], Sequence[HistoryEntry]] | None = None,
        added: str | None = None,
    ) -> None:
        super().__init__()
        self.card, self.suspended, self.source = card, suspended, source
        self.history, self.added = history, added

    def compose(self) -> ComposeResult:
        card = self.card
        with Vertical(id="card-box", classes="dialog"):
            yield Static(
                Text.assemble((card.deck_name, "bold"), ("  ·  ", "dim"), (card.id, "dim")),
                id="card-head",
            )
            with VerticalScroll(id="card-scroll"):
                yield Static(self._body(card))
                if self.history is not None:
                    yield Static(Text("History", style="bold"), id="history-title")
                    yield CardHistory(self.history, id="history")
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
            *(Text(h, style="dim") for h in ("EF", "reps", "interval", "due", "lapses", "added"))
        )
        schedule.add_row(
            f"{state.easiness:.2f}",
            str(state.repetitions),
            f"{state.interval} d",
            _due(state.due.isoformat() if state.due else None),
            str(state.lapses),
            self.added or "–",
        )
        parts += [Text(""), schedule, Text.assemble(("tags  ", "dim"), " ".join(card.tags) or "–")]
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

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip DataTable's measuring of every cell of every new row when no column sizes
        itself and every row is one line (as here): it cost the UI thread ~1 s per 1000
        rows at 100,000 cards. Only the virtual size is left to set."""
        if any(column.auto_width for column in self.columns.values()) or any(
            row.auto_height for row in self.rows.values()
        ):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self.row_count + header)


class SearchDone(Message):
    """A search's rows and their cells, made in the worker; `generation` says which search."""

    def __init__(
        self,
        generation: int,
        rows: list[CardRow],
        cells: list[list[Text]],
        marks: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.generation, self.rows, self.cells = generation, rows, cells
        self.marks = marks or {}


class BrowseScreen(Screen[None]):
    """Every card, searchable by text, deck, tag and filter, sortable by any column."""

    HELP_TITLE = "Browse"
    CSS_PATH = "browse.tcss"
    AUTO_FOCUS = "#search"
    HORIZONTAL_BREAKPOINTS = [(0, "-tight"), (80, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "suspend",
            "Suspend",
            tooltip="Suspend the highlighted card or bring it back",
        ),
        Binding(
            "r",
            "reset",
            "Reset",
            tooltip="Forget the card's schedule (asks first); history is kept",
        ),
        Binding("o", "sort", "Sort", tooltip="Sort by the next column (click a header too)"),
        Binding("O", "reverse", "Reverse", tooltip="Reverse the sort order"),
        Binding("enter", "show_card", "Card", tooltip="The whole card with its review history"),
        Binding("c", "cram", "Cram", tooltip="Custom study over the cards listed: cram them"),
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
        self.sorts = collection.card_sorts()
        self.sort, self.descending = "deck", False
        self.deck_names = dict(collection.decks())
        self._deck_ids: list[str] = list(self.deck_names)
        self._search_timer: Timer | None = None
        self._generation = 0
        """Counts the searches started; only the newest one's rows are shown."""
        self._columns_sorted: tuple[str, bool] | None = None
        self._shown_cells: list[int] = list(range(len(COLUMNS)))
        """Which of a row's cells (COLUMNS order) the table shows, at this width."""
        self._more: tuple[SearchDone, int] | None = None
        """The search whose rows are not all in the table yet, and the next one to add."""
        filters = [name for name, _ in collection.card_filters()]
        self._tags = TagSuggester()
        self._terms = TermSuggester(filters=filters)

    def compose(self) -> ComposeResult:
        yield Static(Text("Browse", style="bold"), id="browse-title", classes="title-bar")
        with Horizontal(id="filters"):
            yield Input(
                placeholder="search: words, tag:…, is:…", id="search", suggester=self._terms
            )
            yield Select[str](
                [(Text(name), deck_id) for deck_id, name in self.deck_names.items()],
                prompt="all decks",
                id="deck",
            )
            yield Select[str](
                [(Text(label), name) for name, label in self.collection.card_filters()],
                prompt="all cards",
                id="show",
            )
            yield Input(placeholder="tag", id="tag", suggester=self._tags)
        yield CardTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield Static(id="browse-count", classes="message")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = self.cursor_blink
        self._add_columns()
        self._read_tags()
        self.search()

    def _add_columns(self) -> None:
        """The columns, the sorted one's header marked ▲ (ascending) or ▼."""
        width = self.app.size.width
        deck_width = 10 if width < WIDE_COLUMNS else 16
        table = self.query_one("#cards", DataTable)
        table.clear(columns=True)
        sorted_column = _column_of(self.sort)
        arrow = "▼" if self.descending else "▲"
        shown = [
            i
            for i, (key, *_) in enumerate(COLUMNS)
            if width >= WIDE_COLUMNS or key not in NARROW_DROPS or key == sorted_column
        ]
        columns = [COLUMNS[i] for i in shown]
        fixed = sum((w or 0) + 2 for _, _, w, _ in columns) + deck_width + 2
        for key, header, column_width, right in columns:
            label = "Added" if key == "date" and self.sort == "added" else header
            if key == sorted_column:
                label += arrow
            if key == "deck":
                column_width = deck_width
            elif key == "front":
                column_width = max(12, width - 4 - fixed)  # margins 2, scrollbar 2
            style = "bold" if key == sorted_column else ""
            justify: JustifyMethod = "right" if right else "left"
            table.add_column(Text(label, justify=justify, style=style), key=key, width=column_width)
        self._shown_cells = shown
        self._columns_sorted = (self.sort, self.descending)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tags")
    def _read_tags(self) -> None:
        """The known tags for completion, read off the UI thread."""
        tags = self.collection.known_tags()
        self._tags.tags = tags
        self._terms.tags = tags

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

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.search()

    def search(self) -> None:
        """Start a search with the current filters; its rows arrive as SearchDone."""
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        text, flag_kind = flag_filter(self.query_one("#search", Input).value)
        tag = self.query_one("#tag", Input).value.strip() or None
        deck_value = self.query_one("#deck", Select).value
        show = self.query_one("#show", Select).value
        self._generation += 1
        self._search(
            self._generation,
            text,
            deck_value if isinstance(deck_value, str) else None,
            tag,
            [show] if isinstance(show, str) else [],
            flag_kind,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(
        self,
        generation: int,
        text: str,
        deck: str | None,
        tag: str | None,
        shown: list[str],
        flag_kind: str | None,
    ) -> None:
        """Run the query and build the cells in this thread: the UI thread only adds them."""
        marks = self.collection.card_marks()
        rows = self.collection.search_cards(
            text, deck=deck, tag=tag, filters=shown, sort=self.sort, descending=self.descending
        )
        rows = marked(rows, marks, flag_kind)
        if get_current_worker().is_cancelled:
            return
        added = self.sort == "added"
        cells = [_cells(row, self.deck_names, added, marks.get(row.id, "")) for row in rows]
        self.post_message(SearchDone(generation, rows, cells, marks))

    def on_search_done(self, message: SearchDone) -> None:
        if message.generation != self._generation:
            return  # a newer search is on its way
        if self._columns_sorted != (self.sort, self.descending):
            self._add_columns()
        table = self.query_one("#cards", DataTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = {row.id: row for row in message.rows}
        self.marks = message.marks
        self._add_rows(message, 0)
        if message.rows:
            table.move_cursor(row=min(max(cursor, 0), len(message.rows) - 1), animate=False)
        count = len(message.rows)
        label = dict(self.sorts).get(self.sort, self.sort)
        self.query_one("#browse-count", Static).update(
            Text(
                f"{count} card{'s' if count != 1 else ''}"
                + (" (the first 1000)" if count >= 1000 else "")
                + f"  ·  by {label} {'▼' if self.descending else '▲'}"
                + "  ·  Tab: search, filters, table",
                style="dim",
            )
        )
        self.refresh_bindings()

    def _add_rows(self, message: SearchDone, start: int) -> None:
        """Put ROWS_AT_ONCE more of the search's rows in the table, from `start`."""
        table = self.query_one("#cards", DataTable)
        end = min(start + ROWS_AT_ONCE, len(message.rows))
        shown = self._shown_cells
        for row, cells in zip(message.rows[start:end], message.cells[start:end], strict=True):
            table.add_row(*(cells[i] for i in shown), key=row.id)
        self._more = (message, end) if end < len(message.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Near the end of the rows shown, show the next ones of the search."""
        if self._more is not None and event.cursor_row >= event.data_table.row_count - 10:
            self._add_rows(*self._more)

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
        if action == "undo":
            return not self.is_mounted or len(self.collection.changes) > 0
        if action == "focus_table":
            return isinstance(self.focused, Input)
        if action == "cursor":
            return not self.is_mounted or self.query_one("#cards", DataTable).has_focus
        return True

    def action_sort(self) -> None:
        names = [name for name, _ in self.sorts]
        following = names[(names.index(self.sort) + 1) % len(names)]
        self.sort_by(following, descending=False)

    def action_reverse(self) -> None:
        self.sort_by(self.sort, descending=not self.descending)

    def sort_by(self, sort: str, descending: bool) -> None:
        """Sort the table by `sort` (a card_sorts() name), searching again."""
        self.sort, self.descending = sort, descending
        self.search()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = event.column_key.value
        sort = "added" if key == "date" and self.sort == "added" else _sort_of(key or "")
        if sort is None:
            return
        self.sort_by(sort, descending=not self.descending if sort == self.sort else False)

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
            f"{'Brought back' if row.suspended else 'Suspended'}: {row.front[:50]}  (u undoes)",
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
            self.notify(f"Reset: {row.front[:50]}  (u undoes)", timeout=2, markup=False)
            self.search()

        self.app.push_screen(
            ConfirmScreen(
                "Reset this card's schedule?",
                f"“{row.front[:70]}” becomes new again (EF 2.5, no interval). "
                "Its review history is kept; u undoes the reset.",
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
            self.deck_names = dict(decks)
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

    def action_undo(self) -> None:
        try:
            with saving(self, "undo", self.collection):
                undone = self.collection.undo_change()
        except NotSaved:
            return
        if undone is None:
            self.notify("Nothing to undo.", timeout=2, markup=False)
            return
        self.notify(f"Undone: {undone}", timeout=3, markup=False)
        self.search()

    def action_show_card(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        card = self.collection.card(row.id)
        if card is None:
            self.notify("That card is gone.", severity="warning", markup=False)
            return
        source = self.collection.source_line(card)
        collection, card_id = self.collection, row.id
        self.app.push_screen(
            CardScreen(
                card,
                row.suspended,
                source,
                history=lambda: collection.card_history(card_id),
                added=_day(row.added),
            )
        )

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


def _column_of(sort: str) -> str:
    """The column a sort key shows in."""
    return "date" if sort in ("due", "added") else sort


def _sort_of(column: str) -> str | None:
    """The sort key of a clicked column (None: the column sorts nothing)."""
    return {"date": "due", "marker": None}.get(column, column)


def _cells(row: CardRow, names: dict[str, str], added: bool, mark: str = "") -> list[Text]:
    """A row's cells; the date column holds the added day when `added`; the last one the
    learner's mark (⚑ flagged wrong, ? unclear, ✎ edited bundled card) and suspension."""
    style = "dim" if row.suspended else ""
    front = " ".join(row.front.split())
    return [
        Text(names.get(row.deck_id, row.deck_id), style="dim"),
        Text(front, style=style),
        Text(number(row.easiness, 2), justify="right", style=style),
        Text(str(row.repetitions), justify="right", style=style),
        Text(f"{row.interval}d" if row.due else "–", justify="right", style=style),
        Text(_day(row.added) or "–" if added else _due(row.due), style=style),
        Text(str(row.lapses), justify="right", style=style),
        Text.assemble((mark, "bold yellow"), ("susp." if row.suspended else "", "bold")),
    ]


def _day(iso: str | None) -> str | None:
    """A day as "11 Mar 26" (short and unambiguous), or None."""
    if iso is None:
        return None
    from datetime import date

    return date.fromisoformat(iso).strftime("%d %b %y")


def _due(iso: str | None) -> str:
    """A due date as "11 Mar 26" (short and unambiguous), or "new"."""
    if iso is None:
        return "new"
    from datetime import date

    return date.fromisoformat(iso).strftime("%d %b %y")
