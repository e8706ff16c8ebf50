"""A card's review history in browse's card view: each grade with its day, the time taken
and the interval before and after, read in a thread (the log may hold a million rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Static

if TYPE_CHECKING:
    from studyapp.collection import HistoryEntry

GRADE_NAMES = {0: "0 blackout", 1: "1 wrong", 2: "2 close", 3: "3 hard", 4: "4 good", 5: "5 easy"}
"""SM-2's grades, short enough for a table cell (QUALITY_LABELS has the long forms)."""


class CardHistory(Static):
    """The grades of one card, newest first; `load` is called in a worker thread."""

    class Loaded(Message):
        def __init__(self, entries: Sequence[HistoryEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, load: Callable[[], Sequence[HistoryEntry]], id: str | None = None) -> None:
        super().__init__(Text("Reading the history…", style="dim"), id=id)
        self._load = load

    def on_mount(self) -> None:
        self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def read(self) -> None:
        self.post_message(self.Loaded(self._load()))

    def on_card_history_loaded(self, message: CardHistory.Loaded) -> None:
        message.stop()
        self.update(history_table(message.entries))


def history_table(entries: Sequence[HistoryEntry]) -> Table | Text:
    """Newest grade first: day, grade, seconds, interval before → after in exact days."""
    if not entries:
        return Text("Never reviewed.", style="dim")
    table = Table.grid(padding=(0, 2))
    for justify in ("left", "left", "right", "left"):
        table.add_column(justify=justify)
    table.add_row(*(Text(h, style="dim") for h in ("day", "grade", "time", "interval")))
    for entry in reversed(entries):
        note = "  again that day" if entry.repeat else ("  from Anki" if entry.imported else "")
        style = "red" if entry.quality < 3 else ""
        table.add_row(
            entry.day.strftime("%d %b %y"),
            Text(GRADE_NAMES.get(entry.quality, str(entry.quality)), style=style),
            f"{entry.seconds:.0f}s" if entry.seconds else "–",
            Text.assemble(f"{entry.interval_before}d → {entry.interval_after}d", (note, "dim")),
        )
    count = len(entries)
    table.caption = f"{count} grade{'s' if count != 1 else ''}, newest first"
    table.caption_justify = "left"
    table.caption_style = "dim"
    return table
