"""The stats screen's calibration section: how well SM-2 and FSRS predicted your recall.

A table (log loss and binned RMSE per scheduler, retention against the target, where FSRS's
weights come from) and a calibration plot: each scheduler's bins of predicted recall
against the share of those reviews passed, beside the diagonal a perfect predictor would
follow. The plot is drawn in text cells (no plotext), so it reads at 60 columns. The
numbers read the whole log, so they come from a thread worker of their own and the rest
of the screen never waits for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from studyapp.collection import Calibration, Collection

SERIES = (("sm2", "SM-2", "●", "yellow"), ("fsrs", "FSRS", "◆", "cyan"))
"""Each scheduler's key, name, mark and colour in the plot."""
PLOT_ROWS = 11
MIN_PLOT_WIDTH = 24


@dataclass
class CalibrationLoaded(Message):
    """The worker's result: the calibration and where FSRS's weights came from."""

    found: Calibration
    fit: dict[str, Any] | None
    scheduler: str


class CalibrationPlot(Widget):
    """Predicted recall (across) against observed recall (up), both from the lowest bin
    shown to 100 %; `·` is the diagonal, where predicted equals observed."""

    DEFAULT_CSS = """
    CalibrationPlot { height: 14; margin: 0 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.points: dict[str, list[tuple[float, float]]] = {}

    def show(self, points: dict[str, list[tuple[float, float]]]) -> None:
        self.points = points
        self.refresh()

    def render(self) -> RenderResult:
        every = [value for series in self.points.values() for point in series for value in point]
        if not every:
            return Text("No item reviewed on two different days yet.", style="dim")
        width = self.size.width - 6  # the axis and the y labels
        if width < MIN_PLOT_WIDTH:
            return Text("Widen the window to see this plot.", style="dim")
        low = min(0.9, math.floor(min(every) * 10) / 10)
        grid = [[" "] * width for _ in range(PLOT_ROWS)]
        styles: dict[tuple[int, int], str] = {}

        def cell(x: float, y: float) -> tuple[int, int]:
            column = round((x - low) / (1 - low) * (width - 1))
            row = PLOT_ROWS - 1 - round((y - low) / (1 - low) * (PLOT_ROWS - 1))
            return min(max(row, 0), PLOT_ROWS - 1), min(max(column, 0), width - 1)

        for step in range(width):
            x = low + (1 - low) * step / max(1, width - 1)
            row, column = cell(x, x)
            grid[row][column] = "·"
        for key, _name, mark, colour in SERIES:
            for predicted, observed in self.points.get(key, []):
                row, column = cell(predicted, observed)
                grid[row][column] = mark
                styles[row, column] = colour
        # Each line starts at the axis: Textual drops a line's leading blanks, so the y
        # labels go on the right.
        lines: list[Text] = []
        for r, row_cells in enumerate(grid):
            y = low + (1 - low) * (PLOT_ROWS - 1 - r) / (PLOT_ROWS - 1)
            line = Text("│", style="dim", no_wrap=True)
            for c, char in enumerate(row_cells):
                line.append(char, style=styles.get((r, c), "dim" if char == "·" else ""))
            if r in (0, PLOT_ROWS // 2, PLOT_ROWS - 1):
                line.append(f" {y:.0%}", style="dim")
            lines.append(line)
        lines.append(Text("└" + "─" * width, style="dim", no_wrap=True))
        left, right = f"{low:.0%}", "100%"
        middle = "predicted recall → (observed ↑)"
        gap = max(1, width + 1 - len(left) - len(right) - len(middle))
        axis = left + " " * (gap // 2) + middle + " " * (gap - gap // 2) + right
        lines.append(Text(axis, style="dim", no_wrap=True))
        return Group(*lines)


class CalibrationView(Vertical):
    """The calibration section; it loads itself in a worker when mounted."""

    DEFAULT_CSS = """
    CalibrationView { height: auto; margin-bottom: 1; }
    CalibrationView #calibration-table { height: auto; margin: 0 1; }
    CalibrationView #calibration-legend { height: auto; margin: 0 1; }
    """

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.collection = collection
        self.found: Calibration | None = None

    def compose(self) -> ComposeResult:
        yield Static("How well each scheduler predicts you", classes="section")
        yield Static(id="calibration-table")
        yield Static(id="calibration-legend")
        yield CalibrationPlot(id="calibration-plot")

    def on_mount(self) -> None:
        self.loading = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibration")
    def load(self) -> None:
        """Replay the whole log off the UI thread."""
        found = self.collection.calibration()
        fit = self.collection.fsrs_fit()
        self.post_message(CalibrationLoaded(found, fit, self.collection.settings.scheduler))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This section's worker is its own business, not the stats screen's."""
        event.stop()
        if event.state == WorkerState.ERROR:
            self.loading = False
            self.query_one("#calibration-table", Static).update(
                Text(f"Could not measure the calibration: {event.worker.error}", style="red")
            )

    def on_calibration_loaded(self, message: CalibrationLoaded) -> None:
        message.stop()
        self.loading = False
        self.found = message.found
        self.query_one("#calibration-table", Static).update(
            summary(message.found, message.fit, message.scheduler)
        )
        legend = Text()
        for _key, name, mark, colour in SERIES:
            legend.append(f"{mark} {name}   ", style=colour)
        legend.append("· predicted = observed", style="dim")
        self.query_one("#calibration-legend", Static).update(legend)
        self.query_one(CalibrationPlot).show(
            {
                key: [(b.predicted, b.observed) for b in getattr(message.found, key).bins]
                for key, *_ in SERIES
            }
        )


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def summary(found: Calibration, fit: dict[str, Any] | None, scheduler: str) -> Group:
    """The scores table, then where FSRS's weights come from and retention at target."""
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False)
    table.add_column("scheduler")
    table.add_column("log loss", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    table.add_column("")
    for key, name, mark, colour in SERIES:
        score = getattr(found, key)
        active = "in use" if key == scheduler else ""
        table.add_row(
            Text(f"{mark} {name}", style=colour),
            _number(score.log_loss),
            _number(score.rmse_bins),
            Text(active, style="bold"),
        )
    weights = (
        f"FSRS weights fitted to you on {fit['on']} from {fit['reviews']} reviews."
        if fit
        else "FSRS uses its default weights until enough of your reviews are logged."
    )
    observed = found.observed_retention
    retention = (
        f"Recall on those {found.reviews} reviews: {observed:.0%} "
        f"(desired retention {found.desired_retention:.0%}). Lower scores predict you better."
        if observed is not None
        else "Nothing to measure yet: an item needs reviews on two different days."
    )
    return Group(table, Text(weights, style="dim"), Text(retention))
