"""The topic picker: every drill topic with its schedule; Enter practises the highlighted one.

Rows come from `Collection.topics()` (title, attempts, accuracy, next due day), the same
numbers `studyapp topics` prints. Enter asks the app for a drill with a `StartDrill` message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from studyapp.ui.messages import StartDrill
from studyapp.ui.widgets import duration

if TYPE_CHECKING:
    from studyapp.collection import Collection


class TopicTable(DataTable[Text]):
    """The topic list; its Enter is labelled for the footer and comes in typing order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Practise", tooltip="Drill the highlighted topic"),
    ]


class TopicsScreen(Screen[None]):
    """All drill topics: title, when it is due, how it went so far."""

    HELP_TITLE = "Drill topics"
    CSS_PATH = "topics.tcss"
    AUTO_FOCUS = "#topics"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "practise", "Practise", tooltip="Drill the highlighted topic"),
        Binding("1", "difficulty(1)", "Level 1", tooltip="Small numbers, by hand"),
        Binding("2", "difficulty(2)", "Level 2", tooltip="More decimals, bigger shapes"),
        Binding("3", "difficulty(3)", "Level 3", tooltip="The largest problems"),
        Binding("down,j", "cursor(1)", "Next topic", show=False, tooltip="Move down the topics"),
        Binding("up,k", "cursor(-1)", "Previous topic", show=False, tooltip="Move up the topics"),
        Binding("escape,q,backspace", "close", "Home", tooltip="Back to the home screen"),
    ]

    difficulty: reactive[int] = reactive(1)

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.collection = collection
        self.show_ids = False

    def compose(self) -> ComposeResult:
        yield Static(id="topics-title", classes="title-bar")
        yield TopicTable(id="topics", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#topics", DataTable)
        width = self.app.size.width
        self.show_ids = width >= 110
        room = width - (56 if self.show_ids else 34)
        table.add_column("Topic", key="title", width=max(28, room))
        table.add_column("Schedule", key="due")
        table.add_column(Text("Right", justify="right"), key="accuracy")
        table.add_column(Text("Time", justify="right"), key="time")
        if self.show_ids:
            table.add_column("Id", key="id")
        self._show_title()

    def on_screen_resume(self) -> None:
        self._fill()

    def _fill(self) -> None:
        today = self.collection.settings.today()
        table = self.query_one("#topics", DataTable)
        cursor = table.cursor_row
        table.clear()
        for topic in self.collection.topics():
            if topic.due is None:
                schedule = Text("new", style="bold")
            elif topic.due <= today:
                schedule = Text("due now", style="bold")
            else:
                ahead = (topic.due - today).days
                schedule = Text(f"in {ahead} day{'s' if ahead != 1 else ''}", style="dim")
            attempts = topic.attempts
            accuracy = f"{topic.correct}/{attempts}" if attempts else "–"
            mean = duration(topic.mean_seconds) if attempts else "–"
            title = topic.title[:1].upper() + topic.title[1:]
            cells = [
                Text(title),
                schedule,
                Text(accuracy, justify="right"),
                Text(mean, justify="right", style="dim"),
            ]
            if self.show_ids:
                cells.append(Text(topic.id, style="dim"))
            table.add_row(*cells, key=topic.id)
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1), animate=False)

    def _show_title(self) -> None:
        self.query_one("#topics-title", Static).update(
            Text.assemble(
                ("Drill topics", "bold"),
                ("  ·  Enter practises one  ·  level ", "dim"),
                (str(self.difficulty), "bold"),
                (" of 3 (keys 1–3)", "dim"),
            )
        )

    def watch_difficulty(self) -> None:
        if self.is_mounted:
            self._show_title()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "practise":
            return self.query_one("#topics", DataTable).row_count > 0
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_practise()

    def action_practise(self) -> None:
        table = self.query_one("#topics", DataTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return
        self.post_message(StartDrill([key], self.difficulty))

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#topics", DataTable)
        table.move_cursor(row=table.cursor_row + step, animate=False)

    def action_difficulty(self, level: int) -> None:
        self.difficulty = level

    def action_close(self) -> None:
        self.dismiss()
