"""The stats screen: a year heatmap, reviews per day, retention, forecast, maturity, topics.

The screen opens at once with a loading indicator; `Collection.stats()` runs in a
thread worker and its result comes back as a `StatsLoaded` message. plotext (through
textual-plotext) is imported here only, so the rest of the app starts without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from studyapp.collection import Collection
from studyapp.ui.widgets import Heatmap, duration, plural

if TYPE_CHECKING:
    from studyapp.collection import StatsData

RECENT_DAYS = 30
PLOTTED_TOPICS = 5
TOPIC_WIDTH = 36
"""Room for a whole topic title (titles name the task in a few words)."""
MATURITY_NAMES = {
    "new": "never seen",
    "learning": "failed, relearning",
    "young": "interval under 21 d",
    "mature": "interval 21 d or more",
}


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

    def compose(self) -> ComposeResult:
        yield Static(Text("Stats", style="bold"), id="stats-title", classes="title-bar")
        with VerticalScroll(id="stats-body"):
            yield Static(id="summary")
            yield Static("Reviews in the last year", classes="section")
            yield Heatmap(self.collection.settings.today(), {}, id="heatmap")
            with Grid(id="bar-plots"):
                yield Chart(id="per-day")
                yield Chart(id="forecast")
            with Horizontal(id="tables"):
                yield Static(id="maturity")
                yield Static(id="topics")
            yield Chart(id="accuracy")
        yield Footer(compact=True, show_command_palette=False)

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
        heatmap = self.query_one("#heatmap", Heatmap)
        heatmap.today = data.today
        heatmap.counts = {d.date: d.reviews for d in data.per_day}
        heatmap.refresh()
        self._plot_per_day(data)
        self._plot_forecast(data)
        self.query_one("#maturity", Static).update(self._maturity(data))
        self.query_one("#topics", Static).update(self._topics(data))
        self._plot_accuracy(data)

    @staticmethod
    def _summary(data: StatsData, width: int) -> Table:
        retention = "–" if data.retention_30d is None else f"{100 * data.retention_30d:.0f} %"
        total_year = sum(d.reviews for d in data.per_day)
        grid = Table.grid(padding=(0, 3))
        cells = [
            ("Streak", plural(data.streak_days, "day")),
            ("Today", plural(data.reviews_today, "review")),
            ("Retention (30 d)", retention),
            ("Due now", str(data.due_today)),
            ("New available", str(data.new_available)),
            ("This year", plural(total_year, "review")),
        ]
        per_row = len(cells) if width >= 100 else 3
        for _ in range(per_row):
            grid.add_column(no_wrap=True)
        for start in range(0, len(cells), per_row):
            part = cells[start : start + per_row]
            grid.add_row(*(Text(label, style="dim") for label, _ in part))
            grid.add_row(*(Text(value, style="bold") for _, value in part))
        return grid

    def _plot_per_day(self, data: StatsData) -> None:
        first = data.today - timedelta(days=RECENT_DAYS - 1)
        counts = {d.date: d for d in data.per_day}
        day_list = [first + timedelta(days=i) for i in range(RECENT_DAYS)]
        reviews = [counts[d].reviews if d in counts else 0 for d in day_list]
        correct = [counts[d].correct if d in counts else 0 for d in day_list]
        widget = self.query_one("#per-day", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [d.strftime("%d/%m") for d in day_list]
        # The stub names the keyword `label`; plotext's stacked_bar reads `labels`.
        plt.stacked_bar(  # type: ignore[call-arg]
            list(range(len(labels))),
            [correct, [r - c for r, c in zip(reviews, correct, strict=True)]],
            labels=["graded 3+", "below 3"],
            color=["green", "red"],  # type: ignore[arg-type]
            width=0.6,
        )
        plt.xlim(-1, len(labels))
        plt.title(f"Reviews per day, last {RECENT_DAYS} days")
        _y_from_zero(plt, max(reviews, default=0))
        ticks = _sparse_ticks(len(labels))
        plt.xticks([float(i) for i in ticks], [labels[i] for i in ticks])
        widget.refresh()

    def _plot_forecast(self, data: StatsData) -> None:
        widget = self.query_one("#forecast", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        labels = [d.strftime("%d/%m") for d, _ in data.forecast]
        plt.bar(list(range(len(labels))), [n for _, n in data.forecast], width=0.6, color="blue")
        plt.xlim(-1, len(labels))
        plt.title(f"Due in the next {len(labels)} days")
        _y_from_zero(plt, max((n for _, n in data.forecast), default=0))
        ticks = _sparse_ticks(len(labels))
        plt.xticks([float(i) for i in ticks], [labels[i] for i in ticks])
        widget.refresh()

    @staticmethod
    def _maturity(data: StatsData) -> Table:
        total = sum(data.maturity.values()) or 1
        table = Table(
            title="Cards by stage",
            title_justify="left",
            title_style="bold",
            box=None,
            padding=(0, 1),
            show_header=False,
        )
        table.add_column(style="bold", no_wrap=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(justify="right")
        table.add_column(no_wrap=True)
        for name, count in data.maturity.items():
            bar = "█" * round(12 * count / total)
            table.add_row(
                name, MATURITY_NAMES.get(name, ""), str(count), Text(bar or "·", style="dim")
            )
        return table

    @staticmethod
    def _topics(data: StatsData) -> Table:
        table = Table(
            title="Drill topics practised",
            title_justify="left",
            title_style="bold",
            box=None,
            padding=(0, 1),
            header_style="dim",
        )
        table.add_column("topic", no_wrap=True, style="bold", max_width=TOPIC_WIDTH)
        table.add_column("right", justify="right")
        table.add_column("time", justify="right")
        table.add_column("due", no_wrap=True)
        tried = [t for t in data.topics if t.attempts]
        for topic in sorted(tried, key=lambda t: (-t.attempts, t.topic)):
            share = round(100 * topic.correct / topic.attempts)
            table.add_row(
                Text(Collection.topic_title(topic.topic)),
                f"{topic.correct}/{topic.attempts} · {share} %",
                duration(topic.mean_seconds),
                _due_text(topic.due, data.today),
            )
        if not tried:
            table.add_row(Text("No drills yet — d on the home screen starts one.", style="dim"))
        return table

    def _plot_accuracy(self, data: StatsData) -> None:
        widget = self.query_one("#accuracy", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        busiest = sorted(
            data.topics_by_week.items(), key=lambda item: -sum(n for _, n, _ in item[1])
        )[:PLOTTED_TOPICS]
        weeks = sorted({week for _, rows in busiest for week, _, _ in rows})
        position = {week: i for i, week in enumerate(weeks)}
        for topic, rows in busiest:
            xs = [position[week] for week, _, _ in rows]
            ys = [100 * ok / n if n else 0 for _, n, ok in rows]
            plt.plot(xs, ys, label=topic, marker="dot")
        plt.title("Drill accuracy per week (%)")
        plt.ylim(0, 100)
        plt.yticks([0, 25, 50, 75, 100])
        if weeks:
            plt.xticks(list(range(len(weeks))), [w.strftime("%d/%m") for w in weeks])
        else:
            plt.xticks([], [])
        widget.display = True
        widget.refresh()

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


def _due_text(due: date | None, today: date) -> str:
    if due is None:
        return "new"
    if due <= today:
        return "now"
    ahead = (due - today).days
    return f"in {ahead} d"
