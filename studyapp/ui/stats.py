"""The stats screen: summary and syllabus coverage, a year heatmap, cards and minutes per
day, forecast, true retention per week, mastery per deck, drill topics weakest first.

The screen opens at once with a loading indicator; `Collection.stats()` runs in a
thread worker and its result comes back as a `StatsLoaded` message. plotext (through
textual-plotext) is imported here only, so the rest of the app starts without it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from studyapp.ui.calibration import CalibrationView
from studyapp.ui.footer import KeysFooter
from studyapp.ui.widgets import Heatmap, duration, marks_text, plural

if TYPE_CHECKING:
    from studyapp.collection import Collection, DayCount, StatsData

RECENT_DAYS = 30
STAGES = ("new", "learning", "lapsed", "young", "mature")
STAGE_STYLES = {"new": "dim", "learning": "yellow", "lapsed": "red", "young": "cyan"}
TOPIC_TITLE_WIDTH = 34
"""Titles are cut (…) past this many columns, so the results line up at 80 columns."""
OTHER_TOPIC_COLUMNS = 53
"""What the topics table needs beside the title: results, right, time, level, due, the
gaps between them and the screen's margins."""


MIN_CHART_WIDTH = 24
"""Narrowest chart drawn, in columns: room for the y tick labels and a readable plot."""

TOO_NARROW = "Widen the window to see this chart."


class Chart(PlotextPlot):
    """A plotext chart that asks for a wider window rather than be drawn too narrow.

    plotext fails inside its layout (a ValueError) when the plot area beside the y tick
    labels is exactly 0 columns wide, and draws garbage when it is narrower still; a
    chart of a few columns tells nothing anyway. Textual renders again on every resize,
    so the chart comes back when the window is widened.
    """

    def render(self) -> RenderResult:
        if self.size.width < MIN_CHART_WIDTH:
            return Text(TOO_NARROW, style="dim")
        return super().render()


@dataclass
class StatsLoaded(Message):
    """The worker's result, posted back to the screen."""

    data: StatsData


class StatsScreen(Screen[None]):
    """Progress over time, drawn; the numbers come from `Collection.stats()`."""

    HELP_TITLE = "Stats"
    CSS_PATH = "stats.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll(1)", "Scroll", show=False, tooltip="Scroll down"),
        Binding("up,k", "scroll(-1)", "Scroll up", show=False, tooltip="Scroll up"),
        Binding("r", "reload", "Reload", tooltip="Compute the numbers again"),
        Binding("escape,q,backspace", "close", "Home", tooltip="Back to the home screen"),
    ]

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.collection = collection
        self.data: StatsData | None = None
        self.bars: dict[str, list[int]] = {}
        """Per bar chart, the x positions that got a bar (days or weeks with something)."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Stats", style="bold"), id="stats-title", classes="title-bar")
        with VerticalScroll(id="stats-body"):
            yield Static(id="summary")
            yield Static(id="coverage")
            yield Static(id="mistakes")
            yield Static(id="topics")
            yield Static(id="decks")
            yield Static("Cards and drills in the last year", classes="section")
            yield Heatmap(self.collection.settings.today(), {}, id="heatmap")
            with Grid(id="bar-plots"):
                yield Chart(id="per-day")
                yield Chart(id="minutes")
                yield Chart(id="forecast")
                yield Chart(id="retention")
            yield CalibrationView(self.collection, id="calibration")  # issue 17
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#stats-body").loading = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Gather every number in a thread; the UI stays responsive meanwhile."""
        self.post_message(StatsLoaded(self.collection.stats()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.query_one("#stats-body").loading = False
            self.notify(
                f"Could not read the statistics: {event.worker.error}. r tries again.",
                title="Stats",
                severity="error",
                markup=False,
            )

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        self.data = message.data
        self.show(message.data)
        self.query_one("#stats-body").loading = False

    # -------------------------------------------------------------- drawing

    def show(self, data: StatsData) -> None:
        self.query_one("#summary", Static).update(self._summary(data, self.size.width))
        self.query_one("#coverage", Static).update(_coverage(data))
        mistakes = self.query_one("#mistakes", Static)
        mistakes.display = bool(data.active_mistakes)
        mistakes.update(_mistakes(data))
        heatmap = self.query_one("#heatmap", Heatmap)
        heatmap.today = data.today
        heatmap.counts = {d.date: d.reviews + d.drills for d in data.per_day}
        heatmap.refresh()
        self._plot_per_day(data)
        self._plot_minutes(data)
        self._plot_forecast(data)
        self._plot_retention(data)
        self.query_one("#decks", Static).update(_decks(data))
        self.query_one("#topics", Static).update(_topics(data, self.size.width))

    @staticmethod
    def _summary(data: StatsData, width: int) -> Table:
        true = data.retention_true_30d
        retention = "–" if true["all"] is None else f"{100 * true['all']:.0f} %"
        grid = Table.grid(padding=(0, 3))
        cells = [
            ("Streak", plural(data.streak_days, "day")),
            ("Today", f"{plural(data.reviews_today, 'card')} · {data.drills_today} drilled"),
            ("True retention (30 d)", retention),
            ("Due now", str(data.due_today)),
            ("New available", str(data.new_available)),
            (
                "Young · mature",
                f"{_share(true['young'])} · {_share(true['mature'])}",
            ),
        ]
        per_row = len(cells) if width >= 120 else 3
        for _ in range(per_row):
            grid.add_column(no_wrap=True)
        for start in range(0, len(cells), per_row):
            part = cells[start : start + per_row]
            grid.add_row(*(Text(label, style="dim") for label, _ in part))
            grid.add_row(*(Text(value, style="bold") for _, value in part))
        return grid

    def _recent_days(self, data: StatsData) -> tuple[list[date], dict[date, DayCount]]:
        first = data.today - timedelta(days=RECENT_DAYS - 1)
        return [first + timedelta(days=i) for i in range(RECENT_DAYS)], {
            d.date: d for d in data.per_day
        }

    def _plot_per_day(self, data: StatsData) -> None:
        day_list, counts = self._recent_days(data)
        shown = [i for i, d in enumerate(day_list) if d in counts and counts[d].reviews]
        correct = [counts[day_list[i]].correct for i in shown]
        below = [counts[day_list[i]].reviews - counts[day_list[i]].correct for i in shown]
        plt = self._fresh("#per-day")
        self.bars["per-day"] = shown
        if shown:
            # Only days with reviews get a bar: an empty day stays empty (no zero-height
            # bar). The stub names the keyword `label`; plotext's stacked_bar reads `labels`.
            plt.stacked_bar(
                shown,
                [correct, below],
                labels=["graded 3+", "below 3"],
                color=["green", "red"],
                width=0.6,
            )
        plt.title(f"Card reviews per day, last {RECENT_DAYS} days")
        self._day_axis(
            plt, day_list, max((c + b for c, b in zip(correct, below, strict=True)), default=0)
        )
        self.query_one("#per-day", PlotextPlot).refresh()

    def _plot_minutes(self, data: StatsData) -> None:
        day_list, counts = self._recent_days(data)
        shown = [
            i
            for i, d in enumerate(day_list)
            # under half a minute in all would be a bar too low to see: the day stays empty
            if d in counts and counts[d].card_minutes + counts[d].drill_minutes >= 0.5
        ]
        cards = [round(counts[day_list[i]].card_minutes, 1) for i in shown]
        drills = [round(counts[day_list[i]].drill_minutes, 1) for i in shown]
        plt = self._fresh("#minutes")
        self.bars["minutes"] = shown
        if shown:
            plt.stacked_bar(
                shown,
                [cards, drills],
                labels=["cards", "drills"],
                color=["blue", "magenta"],
                width=0.6,
            )
        plt.title(f"Minutes per day, last {RECENT_DAYS} days")
        top = max((c + d for c, d in zip(cards, drills, strict=True)), default=0)
        self._day_axis(plt, day_list, math.ceil(top))
        self.query_one("#minutes", PlotextPlot).refresh()

    def _plot_forecast(self, data: StatsData) -> None:
        day_list = [d for d, _ in data.forecast]
        shown = [i for i, (_, n) in enumerate(data.forecast) if n]
        plt = self._fresh("#forecast")
        self.bars["forecast"] = shown
        if shown:
            plt.bar(shown, [data.forecast[i][1] for i in shown], width=0.6, color="blue")
        plt.title(f"Cards due in the next {len(day_list)} days")
        self._day_axis(plt, day_list, max((n for _, n in data.forecast), default=0))
        self.query_one("#forecast", PlotextPlot).refresh()

    def _plot_retention(self, data: StatsData) -> None:
        weeks = data.retention_weeks
        plt = self._fresh("#retention")
        shares = [round(100 * (w.share or 0)) for w in weeks]
        if weeks:
            plt.bar(list(range(len(weeks))), shares, width=0.6, color="green")
            plt.xlim(-1, len(weeks))
            ticks = list(range(len(weeks) - 1, -1, -3))[::-1]
            plt.xticks([float(i) for i in ticks], [weeks[i].start.strftime("%d/%m") for i in ticks])
        else:
            plt.xticks([], [])
        plt.title("True retention per week (%)")
        plt.ylim(0, 100)
        plt.yticks([0, 25, 50, 75, 100])
        self.query_one("#retention", PlotextPlot).refresh()

    def _fresh(self, selector: str) -> Any:
        """The chart's plotext object, emptied."""
        plt = self.query_one(selector, PlotextPlot).plt
        plt.clear_data()
        plt.clear_figure()
        return plt

    @staticmethod
    def _day_axis(plt: Any, day_list: list[date], top: int) -> None:
        """Every day of the range has its place on the x axis, with or without a bar."""
        plt.xlim(-1, len(day_list))
        _y_from_zero(plt, top)
        ticks = _sparse_ticks(len(day_list))
        plt.xticks([float(i) for i in ticks], [day_list[i].strftime("%d/%m") for i in ticks])

    def on_resize(self) -> None:
        """Titles are cut to the width: draw the table again for the new one."""
        if self.data is not None:
            self.query_one("#topics", Static).update(_topics(self.data, self.size.width))
            self.query_one("#summary", Static).update(self._summary(self.data, self.size.width))

    # -------------------------------------------------------------- keys

    def action_scroll(self, step: int) -> None:
        body = self.query_one("#stats-body", VerticalScroll)
        body.scroll_relative(y=3 * step, animate=False)

    def action_reload(self) -> None:
        self.query_one("#stats-body").loading = True
        self.load()

    def action_close(self) -> None:
        self.dismiss()


def _y_from_zero(plt: object, top: int) -> None:
    """Bars start at 0 and the axis shows whole numbers, even on an empty chart."""
    high = max(4, top)
    step = max(1, -(-high // 4))
    plt.ylim(0, step * 4)  # type: ignore[attr-defined]
    plt.yticks(list(range(0, step * 4 + 1, step)))  # type: ignore[attr-defined]


def _sparse_ticks(count: int, every: int = 7) -> list[int]:
    """Tick positions at most one a week, ending on the last day."""
    return list(range(count - 1, -1, -every))[::-1]


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _coverage(data: StatsData) -> Text:
    """The syllabus met, in one line: how much of what there is to learn was seen."""
    c = data.coverage
    return Text.assemble(
        ("Syllabus  ", "bold"),
        "met ",
        (str(c.cards_met), "bold"),
        f" of {c.cards_total} cards, ",
        (str(c.topics_met), "bold"),
        f" of {c.topics_total} topics",
    )


def _mistakes(data: StatsData) -> Table:
    """The mistakes the learner still makes, latest first: what each is, the topic it was
    last made in, how often and when (shown only when there is one)."""
    table = Table(
        title="Mistakes to unlearn",
        title_justify="left",
        title_style="bold",
        caption="each comes back in the drills until avoided three times in a row",
        caption_justify="left",
        caption_style="dim",
        box=None,
        padding=(0, 1),
        pad_edge=False,
        header_style="dim",
    )
    table.add_column("mistake", ratio=1, min_width=20)
    table.add_column("topic", no_wrap=True, overflow="ellipsis", max_width=18)
    table.add_column("seen", justify="right", no_wrap=True)
    table.add_column("last", no_wrap=True)
    for mistake in data.active_mistakes:
        table.add_row(
            Text(mistake.description),
            Text(mistake.topic_title, style="dim"),
            f"{mistake.seen}×",
            _ago(mistake.last_seen, data.today),
        )
    return table


def _ago(day: date, today: date) -> str:
    days = (today - day).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} d ago"


def _decks(data: StatsData) -> Table:
    """Mastery per deck, by name: each active card in one stage."""
    table = Table(
        title="Cards by deck",
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, 1),
        header_style="dim",
    )
    table.add_column("deck", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
    for stage in STAGES:
        table.add_column(stage, justify="right", style=STAGE_STYLES.get(stage, ""))
    for deck in data.decks:
        table.add_row(deck.name, *(_count(getattr(deck, stage)) for stage in STAGES))
    if len(data.decks) > 1:
        table.add_row(
            Text("All decks", style="bold"),
            *(_count(sum(getattr(d, s) for d in data.decks)) for s in STAGES),
        )
    if not data.decks:
        table.add_row(Text("No decks yet.", style="dim"))
    return table


def _count(n: int) -> Text:
    return Text(str(n), style="" if n else "dim")


def _topics(data: StatsData, width: int) -> Table:
    """Drill topics weakest first: weak ones in red, never-tried ones dim at the end.

    The title column takes what the other columns leave of `width` (at most
    TOPIC_TITLE_WIDTH), so the numbers stay whole in a narrow terminal."""
    title_width = max(12, min(TOPIC_TITLE_WIDTH, width - OTHER_TOPIC_COLUMNS))
    table = Table(
        title="Drill topics, weakest first",
        title_justify="left",
        title_style="bold",
        caption="red: under 7 of the last 10 right · dim: never tried",
        caption_justify="left",
        caption_style="dim",
        box=None,
        padding=(0, 1),
        pad_edge=False,
        header_style="dim",
    )
    table.add_column("topic", no_wrap=True, width=title_width)
    table.add_column("last 10", no_wrap=True, width=11)
    table.add_column("right", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("lvl", justify="right", no_wrap=True)
    table.add_column("due", no_wrap=True)
    for topic in data.topics:
        title = Text(topic.title, no_wrap=True, overflow="ellipsis")
        title.truncate(title_width, overflow="ellipsis")
        if not topic.attempts:
            title.stylize("dim")
            table.add_row(
                title,
                Text("never tried", style="dim"),
                "",
                "",
                Text(str(topic.level), style="dim"),
                Text(_due_text(topic.due, data.today), style="dim"),
            )
            continue
        title.stylize("bold red" if topic.weak else "bold")
        table.add_row(
            title,
            marks_text(topic.recent),
            f"{topic.correct}/{topic.attempts} {100 * topic.correct / topic.attempts:.0f}%",
            duration(topic.total_seconds),
            str(topic.level),
            _due_text(topic.due, data.today),
        )
    if not data.topics:
        table.add_row(Text("No drills yet — d on the home screen starts one.", style="dim"))
    return table


def _due_text(due: date | None, today: date) -> str:
    if due is None:
        return "new"
    if due <= today:
        return "now"
    ahead = (due - today).days
    return f"in {ahead} d"
