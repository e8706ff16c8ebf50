"""The home screen: what is waiting today, and one key for each activity.

Counts come from `Collection.home()` each time the screen comes back to the front, so
they are fresh after a review, a drill or a suspension in browse. The first time they are
in the first frame; coming back, the screen paints at once with the counts it had and the
fresh ones follow from a worker (at 100,000 cards they take several frames to count).
"""

from __future__ import annotations

import gc
from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from studyapp.collection import Collection, HomeCounts, StoreError
from studyapp.ui.card_forms import add_card
from studyapp.ui.footer import KeysFooter
from studyapp.ui.messages import Open, OpenCustomStudy, StartDrill, StartReview
from studyapp.ui.widgets import NotSaved, marks_text, plural, saving, shed

ALL_DECKS = "__all__"
PREPARE_AFTER_S = 0.3
"""How long after the home screen first shows to start loading what the first review
needs: long enough for the first paint to finish, shorter than a learner takes to read it."""
WEAKEST_MIN_WIDTH = 70
"""Below this many columns the weakest-topics panel folds away (the decks need the rows)."""
STATS_TIGHT_WIDTH = 70
"""Below this many columns the stat boxes give up the row's side margins for their titles."""
TITLE_FRAME = 6
"""Columns of a box that its border title cannot use: two corners, two edges, two spaces."""
WEAKEST_TITLE_WIDTH = 25
"""Title columns in the panel (40 wide: border, padding, 10 marks and a space)."""
NOTHING_DUE = "Nothing due — come back tomorrow, or drill a topic with t."
NARROW_FOOTER = (("review_deck", "Deck"), ("quit", None), ("custom", "More"), ("custom", None))
"""What the footer gives up, in order, when the terminal is too narrow for all of it."""


class HomeScreen(Screen[None]):
    """Decks with due and new counts, drill topics, today's progress and the streak."""

    HELP_TITLE = "Home"
    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "review", "Review", tooltip="Review every due and new card"),
        Binding("d", "drill", "Drill", tooltip="Drill the topics due today, one after another"),
        Binding("t", "topics", "Topics", tooltip="Pick any drill topic to practise"),
        Binding("s", "stats", "Stats", tooltip="Heatmap, retention, forecast, topic accuracy"),
        Binding("b", "browse", "Browse", tooltip="Search cards; suspend or reset one"),
        Binding(
            "c",
            "custom",
            "Custom",
            tooltip="Custom study: more new cards, review ahead, cram, failures, a drill family",
        ),
        Binding(
            "u",
            "undo_change",
            "Undo change",
            show=False,
            tooltip="Take back the newest change that was not a grade (e.g. more new cards)",
        ),
        Binding(
            "a",
            "add_card",
            "Add card",
            show=False,  # the footer is full at 80 columns; `?` lists it
            tooltip="Write a card of your own, into a deck of yours",
        ),
        Binding("enter", "review_deck", "Review deck", tooltip="Review only the highlighted deck"),
        Binding("down,j", "cursor(1)", "Next deck", show=False, tooltip="Move down the decks"),
        Binding("up,k", "cursor(-1)", "Previous deck", show=False, tooltip="Move up the decks"),
        Binding("q", "quit", "Quit", tooltip="Close studyapp (every grade is already saved)"),
    ]

    def __init__(self, collection: Collection, schedule_new_topics: bool = True) -> None:
        super().__init__()
        self.collection = collection
        self.schedule_new_topics = schedule_new_topics
        """False keeps the collection's drill topics as they are (tests pin a handful)."""
        self.counts: HomeCounts | None = None

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys, fitted to the width: `? Keys` stays in the footer (q still quits)."""
        return shed(self.app, super().active_bindings, self.size.width, NARROW_FOOTER)

    def on_resize(self) -> None:
        """The footer sheds what does not fit; the weakest-topics panel folds away when it
        would squeeze the deck names; the stat boxes take the words that fit."""
        self.refresh_bindings()
        self.query_one("#weakest", Static).display = self.size.width >= WEAKEST_MIN_WIDTH
        self.set_class(self.size.width < STATS_TIGHT_WIDTH, "-tight")
        if self.counts is not None:
            self.call_after_refresh(self._show_stats, self.counts)

    def compose(self) -> ComposeResult:
        yield Static(id="home-title", classes="title-bar")
        with Center(id="home-center"), Vertical(id="home"):
            with Horizontal(id="stat-row"):
                yield Static(id="stat-done", classes="stat")
                yield Static(id="stat-left", classes="stat")
                yield Static(id="stat-streak", classes="stat")
                yield Static(id="stat-drills", classes="stat")
            yield Static(id="home-message")
            with Horizontal(id="home-lists"):
                table: DataTable[Text] = DataTable(
                    id="decks", cursor_type="row", zebra_stripes=False, show_cursor=True
                )
                table.can_focus = False  # the screen's keys move it; no widget swallows them
                yield table
                yield Static(id="weakest")
        yield KeysFooter()

    def on_mount(self) -> None:
        titles = {
            "done": "Done today",
            "left": "Left today",
            "streak": "Streak",
            "drills": "Drills",
        }
        for name, title in titles.items():
            self.query_one(f"#stat-{name}", Static).border_title = title
        self.query_one("#weakest", Static).border_title = "Weakest topics"
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck")
        table.add_column(Text("Due", justify="right"), key="due", width=6)
        table.add_column(Text("New", justify="right"), key="new", width=6)

    def on_screen_resume(self) -> None:
        if self.counts is None:
            self.refresh_counts()
        else:  # once the frame is out: the count's thread would share the GIL with the paint
            self.call_after_refresh(self.recount)
        if not self.prepared:
            self.prepared = True
            # Not at once: the work would compete with the first paint for the GIL.
            self.set_timer(PREPARE_AFTER_S, self.prepare)

    prepared = False

    @work(thread=True, exclusive=True, group="prepare")
    def prepare(self) -> None:
        """Once the first screen is painted, off the UI thread: schedule any new drill
        topics (that imports every drill family) and load what the first review needs.

        Another process may hold the write lock past the busy timeout: nothing here is
        needed to study, so the learner is told, and it is tried again when the home
        screen next comes back, instead of the app stopping.
        """
        try:
            if self.schedule_new_topics and self.collection.sync_topics():
                self.app.call_from_thread(self.show_counts, self.collection.home())
            self.collection.warm_up()
            # Everything start-up and the warm-up loaded (Textual, SQLAlchemy, NumPy, SymPy:
            # over a million objects) stays for the whole session: out of the collector's
            # sight, a full collection no longer walks it in the middle of a grade
            # (0.25-0.5 s pauses every few dozen grades before).
            gc.freeze()
        except Exception as error:
            if isinstance(error, StoreError):
                message: str | None = str(error)
            else:
                message = self.collection.explain(error)
            if message is None:
                raise
            self.prepared = False
            self.notify(
                f"New drill topics are not scheduled yet: {message}. Cards work as usual; "
                "this is tried again when you come back to this screen.",
                title="Later",
                severity="warning",
                timeout=8,
                markup=False,
            )

    @work(thread=True, exclusive=True, group="counts")
    def recount(self) -> None:
        """Back home: the counts, off the UI thread, so that Esc paints the home screen in
        the next frame (counting on the UI thread held it 70–130 ms at 100,000 cards)."""
        try:
            counts = self.collection.home()
        except StoreError as error:  # the write lock held elsewhere: the old counts stay
            self.app.call_from_thread(
                self.notify,
                f"The counts are not updated: {error}.",
                title="Later",
                severity="warning",
                markup=False,
            )
            return
        self.app.call_from_thread(self.show_counts, counts)

    # -------------------------------------------------------------- rendering

    def refresh_counts(self) -> None:
        self.show_counts(self.collection.home())

    def show_counts(self, counts: HomeCounts) -> None:
        self.counts = counts
        self.query_one("#home-title", Static).update(
            Text.assemble(
                ("studyapp", "bold"),
                "  ",
                (counts.today.strftime("%A %-d %B %Y"), "dim"),
                *((f"  ·  ≈ {counts.minutes} min today", "dim"),) if counts.minutes else (),
            )
        )
        self._show_stats(counts)
        table = self.query_one("#decks", DataTable)
        cursor = table.cursor_row
        table.clear()
        for deck in counts.decks:
            # A deck the learning path has not opened yet is dimmed: `r` brings none of its
            # new cards today, though Enter still starts it by hand.
            table.add_row(
                Text(deck.name, style="" if deck.opened else "dim"),
                _count(deck.due),
                _count(deck.new) if deck.opened else Text(str(deck.new), "dim", justify="right"),
                key=deck.id,
            )
        total_due = sum(d.due for d in counts.decks)
        total_new = sum(d.new for d in counts.decks)
        table.add_row(
            Text("All decks", style="bold"),
            _count(total_due),
            _count(total_new),
            key=ALL_DECKS,
        )
        table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))
        self.query_one("#home-message", Static).update(self._message(counts))
        self.refresh_bindings()

    def _show_stats(self, counts: HomeCounts) -> None:
        row = self.query_one("#stat-row")
        room = row.content_region.width or self.size.width
        for name, (title, text) in stat_boxes(counts, room).items():
            box = self.query_one(f"#stat-{name}", Static)
            box.border_title = title
            box.update(text)
            # Each box at least as wide as its title and its figure need; the rest shared.
            box.styles.min_width = _box_width(title, text)
        self.query_one("#weakest", Static).update(_weakest(counts))

    @staticmethod
    def _message(counts: HomeCounts) -> Text:
        message = HomeScreen._todo(counts)
        if counts.mistakes_active:
            message.append("\n")
            message.append(_mistakes_line(counts))
        if counts.leeches or counts.leech_topics:
            message.append("\n")
            message.append(_leeches_line(counts))
        return message

    @staticmethod
    def _todo(counts: HomeCounts) -> Text:
        if counts.left_today:
            return Text.assemble(
                (plural(counts.left_today, "card"), "bold"),
                " waiting — ",
                ("r", "bold"),
                " reviews them all, ",
                ("Enter", "bold"),
                " just the highlighted deck.",
            )
        if counts.topics_due or counts.topics_new or counts.mistakes_due:
            return Text.assemble(
                "Cards are done for today. ",
                ("d", "bold"),
                " drills the topics that are due.",
            )
        return Text(NOTHING_DUE)

    # -------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True

    def action_review(self) -> None:
        counts = self.counts or self.collection.home()
        if not counts.left_today:
            self.notify(NOTHING_DUE, title="All caught up", markup=False)
            return
        self.post_message(StartReview())

    def action_review_deck(self) -> None:
        table = self.query_one("#decks", DataTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key == ALL_DECKS:
            self.action_review()
            return
        counts = self.counts or self.collection.home()
        deck = next((d for d in counts.decks if d.id == key), None)
        if deck is None:
            return
        if not deck.due and not (deck.new and counts.new_room):
            if deck.new:
                message = (
                    f"Today's limit of new cards is reached; the {deck.new} new cards of "
                    f"{deck.name} wait for tomorrow."
                )
            else:
                message = f"{deck.name} has nothing waiting today."
            self.notify(message, title="Nothing due", markup=False)
            return
        self.post_message(StartReview([deck.id]))

    def action_cursor(self, step: int) -> None:
        table = self.query_one("#decks", DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_drill(self) -> None:
        counts = self.counts or self.collection.home()
        if not (counts.topics_due or counts.topics_new or counts.mistakes_due):
            self.notify(
                "No drill topic is due today — press t to practise any topic.",
                title="Drills done",
                markup=False,
            )
            return
        self.post_message(StartDrill())

    def action_topics(self) -> None:
        self.post_message(Open("topics"))

    def action_stats(self) -> None:
        self.post_message(Open("stats"))

    def action_browse(self) -> None:
        self.post_message(Open("browse"))

    def action_custom(self) -> None:
        table = self.query_one("#decks", DataTable)
        deck = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            deck = None if key == ALL_DECKS else key
        self.post_message(OpenCustomStudy(deck=deck))

    def action_undo_change(self) -> None:
        try:
            with saving(self, "undo", self.collection):
                undone = self.collection.undo_change()
        except NotSaved:
            return
        self.notify(f"Undone: {undone}." if undone else "Nothing to undo.", markup=False)
        self.refresh_counts()

    def action_add_card(self) -> None:
        add_card(self, self.collection, lambda _: self.refresh_counts())

    def action_quit(self) -> None:
        self.app.exit()


def _weakest(counts: HomeCounts) -> RenderableType:
    """The weakest tried topics, one a line: latest results, then the title (cut to fit)."""
    if not counts.weakest:
        return Text("No drills yet: t picks a topic.", style="dim")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=10)
    grid.add_column(no_wrap=True, width=WEAKEST_TITLE_WIDTH)
    for topic in counts.weakest:
        title = Text(topic.title, style="bold red" if topic.weak else "")
        title.truncate(WEAKEST_TITLE_WIDTH, overflow="ellipsis")
        grid.add_row(marks_text(topic.recent), title)
    return grid


def _mistakes_line(counts: HomeCounts) -> Text:
    """How many mistakes the learner still makes, and whether the drills bring one today."""
    words = "mistake" if counts.mistakes_active == 1 else "mistakes"
    line = Text.assemble((f"{counts.mistakes_active} {words} to unlearn", "bold"))
    if counts.mistakes_due:
        line.append(f" · {counts.mistakes_due} due in today's drills")
    else:
        line.append(" · none due today", style="dim")
    return line


def _leeches_line(counts: HomeCounts) -> Text:
    """How many leeches there are: cards tagged leech, and drill topics that keep lapsing."""
    parts = []
    if counts.leeches:
        parts.append(f"{counts.leeches} leech {'card' if counts.leeches == 1 else 'cards'}")
    if counts.leech_topics:
        parts.append(
            f"{counts.leech_topics} leech {'topic' if counts.leech_topics == 1 else 'topics'}"
        )
    line = Text.assemble((" · ".join(parts), "bold"))
    if counts.leeches:
        line.append(" · b, tag leech, lists them", style="dim")
    return line


def plural_word(n: int, word: str) -> str:
    """ " reviews", " review": the word after a figure."""
    return f" {word}" if n == 1 else f" {word}s"


def _count(n: int) -> Text:
    return Text(str(n), justify="right", style="bold" if n else "dim")


def stat_boxes(counts: HomeCounts, room: int) -> dict[str, tuple[str, Text]]:
    """Each stat box's title and figure, in the longest wording whose boxes fit side by
    side in `room` columns: the titles shorten first ("Done today" to "Done"), then the
    figures lose their words. "✓ n" in the drills title counts today's problems."""

    def big(value: str, rest: str = "") -> Text:
        return Text.assemble((value, "bold"), (rest, "dim"), justify="center")

    due = counts.topics_due + counts.mistakes_due  # a mistake due is a turn of its own
    drilled = f"Drills ✓ {counts.drills_today}" if counts.drills_today else "Drills"
    figures = {
        "done": (str(counts.reviews_today), plural_word(counts.reviews_today, "review")),
        "left": (str(counts.left_today), plural_word(counts.left_today, "card")),
        "streak": (str(counts.streak_days), plural_word(counts.streak_days, "day")),
        "drills": (str(due), f" due · {counts.topics_new} new"),
    }
    long_titles = {"done": "Done today", "left": "Left today", "streak": "Streak"}
    short_titles = {"done": "Done", "left": "Left", "streak": "Streak"}
    wordings = (
        (long_titles, True),
        (short_titles, True),
        (short_titles, False),
    )
    boxes: dict[str, tuple[str, Text]] = {}
    for titles, words in wordings:
        boxes = {
            name: (
                {**titles, "drills": drilled}[name],
                big(value, rest if words or name == "drills" else ""),
            )
            for name, (value, rest) in figures.items()
        }
        if sum(_box_width(title, text) for title, text in boxes.values()) <= room:
            break
    return boxes


def _box_width(title: str, text: Text) -> int:
    return max(Text.from_markup(title).cell_len + TITLE_FRAME, text.cell_len + 2)
