"""The topic picker: every drill topic with its schedule and level; Enter practises the
highlighted one at its level, 1/2/3 set that level (stored; u takes a pick back).

Rows come from `Collection.topics()` (title, level, attempts, accuracy, next due day), the
same numbers `studyapp topics` prints. Enter asks the app for a drill with a `StartDrill`
message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Static

from studyapp.ui.footer import KeysFooter
from studyapp.ui.messages import StartDrill
from studyapp.ui.widgets import NotSaved, duration, saving

if TYPE_CHECKING:
    from studyapp.collection import Collection


class TopicTable(DataTable[Text]):
    """The topic list; its Enter is labelled for the footer and comes in typing order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Practise", tooltip="Drill the highlighted topic"),
    ]


class TopicsScreen(Screen[None]):
    """All drill topics: title, when it is due, its level, how it went so far."""

    HELP_TITLE = "Drill topics"
    CSS_PATH = "topics.tcss"
    AUTO_FOCUS = "#topics"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "practise", "Practise", tooltip="Drill the highlighted topic at its level"
        ),
        Binding(
            "1", "level(1)", "Level 1", tooltip="This topic at level 1: small numbers, by hand"
        ),
        Binding("2", "level(2)", "Level 2", tooltip="This topic at level 2: more decimals, bigger"),
        Binding("3", "level(3)", "Level 3", tooltip="This topic at level 3: the largest problems"),
        Binding("u", "undo_level", "Undo level", tooltip="Take back the last level picked here"),
        Binding("down,j", "cursor(1)", "Next topic", show=False, tooltip="Move down the topics"),
        Binding("up,k", "cursor(-1)", "Previous topic", show=False, tooltip="Move up the topics"),
        Binding("escape,q,backspace", "close", "Home", tooltip="Back to the home screen"),
    ]

    picked: reactive[int] = reactive(0, bindings=True)
    """How many level picks of this visit can still be taken back."""

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.collection = collection
        self.show_ids = False
        self._picks: list[tuple[str, int]] = []
        """(topic, the level it had) for each pick, newest last: what u takes back."""

    def compose(self) -> ComposeResult:
        yield Static(id="topics-title", classes="title-bar")
        yield TopicTable(id="topics", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#topics", DataTable)
        width = self.app.size.width
        self.show_ids = width >= 110
        room = width - (64 if self.show_ids else 42)
        table.add_column("Topic", key="title", width=max(28, room))
        table.add_column("Schedule", key="due")
        table.add_column(Text("Level", justify="right"), key="level")
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
                Text(str(topic.level), justify="right", style="bold" if topic.level > 1 else ""),
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
                ("  ·  Enter practises one at its level  ·  1–3 set its level", "dim"),
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("practise", "level"):
            return self.query_one("#topics", DataTable).row_count > 0
        if action == "undo_level":
            return self.picked > 0
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_practise()

    def _highlighted(self) -> str | None:
        table = self.query_one("#topics", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_practise(self) -> None:
        key = self._highlighted()
        if key is not None:
            # A drill may move levels itself: taking a pick back after it would undo that.
            self._picks.clear()
            self.picked = 0
            self.post_message(StartDrill([key]))

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#topics", DataTable)
        table.move_cursor(row=table.cursor_row + step, animate=False)

    def action_level(self, level: int) -> None:
        key = self._highlighted()
        if key is None:
            return
        try:
            with saving(self, "set the level", self.collection):
                before = self.collection.set_topic_level(key, level)
        except NotSaved:
            return
        if before != level:
            self._picks.append((key, before))
            self.picked = len(self._picks)
        self._fill()

    def action_undo_level(self) -> None:
        if not self._picks:
            return
        key, before = self._picks[-1]
        try:
            with saving(self, "take the level back", self.collection):
                self.collection.set_topic_level(key, before)
        except NotSaved:
            return
        self._picks.pop()
        self.picked = len(self._picks)
        table = self.query_one("#topics", DataTable)
        self._fill()
        table.move_cursor(row=table.get_row_index(key), animate=False)

    def action_close(self) -> None:
        self.dismiss()
