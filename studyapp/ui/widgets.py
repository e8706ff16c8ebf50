"""Pieces the screens share: grade labels, problem inputs as tables, the review heatmap.

Everything here is presentation: it formats what the core returns and never decides
anything about schedules. Rich renderables are built by plain functions (easy to test
and to reuse in a `Static`); the few Textual widgets wrap them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.binding import ActiveBinding, Binding
from textual.widget import Widget

from studyapp.collection import StoreError

if TYPE_CHECKING:
    from textual.app import App

    from studyapp.collection import Collection

GRADE_NAMES: dict[int, str] = {0: "Blank", 1: "Wrong", 2: "Close", 3: "Hard", 4: "Good", 5: "Easy"}
"""One word per SM-2 grade, short enough for the footer (QUALITY_LABELS says it in full)."""

ANKI_GRADES: dict[str, tuple[int, str]] = {
    "1": (0, "Again"),
    "2": (3, "Hard"),
    "3": (4, "Good"),
    "4": (5, "Easy"),
}
"""The Anki grade map (`studyapp config grade_keys anki`): key -> (SM-2 grade, word)."""

AGAIN_MARK = "↻"
"""Marks a grade that brings the card back later in the same session (grades below 4)."""


# ------------------------------------------------------------------------------ numbers


def number(value: Any, digits: int = 4) -> str:
    """A number the way the drills print it: integers plainly, others trimmed to `digits`."""
    from studyapp.collection import num

    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return num(value, digits)
    return str(value)


def days(n: int) -> str:
    """An interval in days, compact: 6d, 45d, 4mo, 1.5y."""
    if n < 100:
        return f"{n}d"
    if n < 365:
        return f"{round(n / 30.4)}mo"
    return f"{n / 365:.1f}y".replace(".0y", "y")


def duration(seconds: float) -> str:
    """Elapsed time as 42s, 3m 05s or 1h 02m."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def marks_text(marks: str) -> Text:
    """A topic's latest results (✓ right, ✗ wrong), each mark in its colour."""
    text = Text(no_wrap=True)
    for mark in marks:
        text.append(mark, style="green" if mark == "✓" else "red")
    return text


# ------------------------------------------------------------------------------ errors


class NotSaved(Exception):
    """Raised out of `saving` so the caller stops: the notification is already shown."""


@contextmanager
def saving(node: Widget, doing: str, collection: Collection) -> Iterator[None]:
    """Turn a database that cannot take the write into a calm notification and a `NotSaved`.

    Two studyapp windows on one file, a sync client holding a lock, a full disk or a file
    turned read-only are things a learner can meet; a traceback is not the answer to them.
    The store says what happened as a `StoreError` (one line, the CLI says the same); an
    error that reaches here unconverted is classified by `Collection.explain`, and errors
    it does not know keep their traceback.
    """
    try:
        yield
    except StoreError as error:
        _not_saved(node, doing, str(error))
        raise NotSaved(doing) from error
    except Exception as error:
        message = collection.explain(error)
        if message is None:
            raise
        _not_saved(node, doing, message)
        raise NotSaved(doing) from error


def _not_saved(node: Widget, doing: str, message: str) -> None:
    node.notify(
        f"Could not {doing}: {message}. Nothing was changed.",
        title="Not saved",
        severity="error",
        timeout=8,
        markup=False,
    )


# ------------------------------------------------------------------------------ grades


def answer_text(parts: Iterable[tuple[str, bool]]) -> Text:
    """A card's back from (text, marked) parts: a cloze card's own gap in bold."""
    return Text.assemble(*((text, "bold") if marked else text for text, marked in parts))


def grade_labels(
    intervals: dict[int, int],
    width: int,
    reserved: int,
    names: dict[int, str] | None = None,
) -> dict[int, str]:
    """Footer descriptions for the grade keys, as rich as `width` allows.

    `intervals` maps grade -> days; `reserved` is the room the other footer keys take.
    The richest form is "Good · 6d ↻"; narrower ones drop the dot, then the word.
    """
    words = names or GRADE_NAMES
    forms = (
        lambda q, d: f"{words[q]} · {d}" + (f" {AGAIN_MARK}" if q < 4 else ""),
        lambda q, d: f"{words[q]} {d}" + (AGAIN_MARK if q < 4 else ""),
        lambda q, d: f"{words[q]} {d}",
        lambda q, d: d + (AGAIN_MARK if q < 4 else ""),
    )
    labels: dict[int, str] = {}
    for form in forms:
        labels = {q: form(q, days(d)) for q, d in sorted(intervals.items())}
        # a compact footer key takes: key (1) + space + description + margin (1)
        needed = sum(len(text) + 3 for text in labels.values())
        if needed + reserved <= width:
            break
    return labels


def relabeled(
    active: dict[str, ActiveBinding], descriptions: dict[str, str]
) -> dict[str, ActiveBinding]:
    """`active` (a screen's `active_bindings`) with new footer descriptions, by action.

    Bindings are class data and Textual has no call to relabel one; a screen whose key
    descriptions change (the grade keys show each card's intervals) returns this from its
    `active_bindings` property, which the footer reads.
    """
    return {
        key: item._replace(
            binding=dataclasses.replace(item.binding, description=descriptions[item.binding.action])
        )
        if item.binding.action in descriptions
        else item
        for key, item in active.items()
    }


def footer_width(app: App[Any], active: dict[str, ActiveBinding]) -> int:
    """Columns the compact footer takes for `active`: one key per action (the first of
    `?`/F1), drawn as `key words` and a space after it."""
    first: dict[str, Binding] = {}
    for item in active.values():
        if item.binding.show:
            first.setdefault(item.binding.action, item.binding)
    return sum(len(app.get_key_display(b)) + len(b.description) + 2 for b in first.values())


def shed(
    app: App[Any],
    active: dict[str, ActiveBinding],
    width: int,
    steps: Sequence[tuple[str, str | None]],
) -> dict[str, ActiveBinding]:
    """`active` made to fit a footer `width` columns wide, so that the keys at its end
    (`? Keys`) are never pushed off: each step, in order and only while the footer is too
    wide, gives an action shorter words or (None) takes it off the footer. The key still
    works, and the help lists it."""
    for action, words in steps:
        if footer_width(app, active) <= width:
            break
        active = {
            key: item._replace(
                binding=dataclasses.replace(
                    item.binding,
                    description=words if words is not None else item.binding.description,
                    show=words is not None and item.binding.show,
                )
            )
            if item.binding.action == action
            else item
            for key, item in active.items()
        }
    return active


# ------------------------------------------------------------------------------ problem inputs


def _is_matrix(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, list) for row in value)


def _is_vector(value: Any) -> bool:
    return isinstance(value, list) and not _is_matrix(value)


def vector_table(rows: Sequence[tuple[str, Sequence[Any]]]) -> Table:
    """Vectors of one length as a table: a row per name, a column per index (from 0)."""
    length = max(len(values) for _, values in rows)
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
    table.add_column("", style="bold", no_wrap=True)
    for i in range(length):
        table.add_column(f"[{i}]", justify="right", header_style="dim", no_wrap=True)
    for name, values in rows:
        table.add_row(escape(name), *(number(v) for v in values))
    return table


MATRIX_BOX = box.Box("╭──╮\n│  │\n├──┤\n│  │\n├──┤\n├──┤\n│  │\n╰──╯\n")
"""A rounded frame with no lines between cells: the numbers line up, the frame says "matrix"."""


def matrix_table(name: str, rows: Sequence[Sequence[Any]]) -> Table:
    """A matrix as a grid with row and column indices (from 0) and its shape in the title."""
    columns = max((len(r) for r in rows), default=0)
    table = Table(
        title=f"[bold]{escape(name)}[/]  [dim]{len(rows)}×{columns}[/]",
        title_justify="left",
        box=MATRIX_BOX,
        padding=(0, 1),
        show_header=True,
        header_style="dim",
        border_style="dim",
    )
    table.add_column("", style="dim", justify="right", no_wrap=True)
    for j in range(columns):
        table.add_column(str(j), justify="right", no_wrap=True)
    for i, row in enumerate(rows):
        table.add_row(str(i), *(number(v) for v in row))
    return table


def scalar_grid(items: Sequence[tuple[str, Any]], per_row: int) -> Table:
    """Scalars as `name = value`, several to a row."""
    grid = Table.grid(padding=(0, 4))
    count = min(per_row, len(items)) or 1
    for _ in range(count):
        grid.add_column(no_wrap=True)
    cells = [Text.assemble((name, "bold"), " = ", number(value)) for name, value in items]
    for start in range(0, len(cells), count):
        row = cells[start : start + count]
        grid.add_row(*row, *([""] * (count - len(row))))
    return grid


def inputs_renderable(inputs: dict[str, Any], width: int = 80) -> RenderableType:
    """A problem's inputs laid out for reading: scalars, then vectors, then matrices.

    Vectors of the same length share one table (one row each, columns are indices),
    so theta, grad, m and v line up entry by entry; each matrix is its own grid.
    """
    from rich.columns import Columns

    scalars = [(n, v) for n, v in inputs.items() if not isinstance(v, list)]
    vectors = [(n, v) for n, v in inputs.items() if _is_vector(v)]
    matrices = [(n, v) for n, v in inputs.items() if _is_matrix(v)]
    parts: list[RenderableType] = []
    if scalars:
        longest = max(len(n) + len(number(v)) + 3 for n, v in scalars)
        parts.append(scalar_grid(scalars, max(1, min(4, width // (longest + 4)))))
    by_length: dict[int, list[tuple[str, Sequence[Any]]]] = {}
    for name, values in vectors:
        by_length.setdefault(len(values), []).append((name, values))
    parts.extend(vector_table(rows) for rows in by_length.values())
    if matrices:
        parts.append(
            Columns([matrix_table(n, v) for n, v in matrices], padding=(0, 3), expand=False)
        )
    return Group(*_spaced(parts))


def answer_renderable(answer: Any) -> RenderableType:
    """An expected answer: a number, or a vector/matrix laid out like the inputs."""
    if _is_matrix(answer):
        return matrix_table("answer", answer)
    if isinstance(answer, list):
        return vector_table([("answer", answer)])
    return Text(number(answer), style="bold")


def _spaced(parts: Iterable[RenderableType]) -> list[RenderableType]:
    spaced: list[RenderableType] = []
    for part in parts:
        if spaced:
            spaced.append(Text(""))
        spaced.append(part)
    return spaced


def steps_renderable(steps: Sequence[str], first: int = 1) -> Table:
    """Worked steps, numbered, each wrapping under its own text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column(ratio=1)
    for i, step in enumerate(steps, first):
        grid.add_row(f"{i}.", Text(step))
    return grid


# ------------------------------------------------------------------------------ heatmap

HEAT_LEVELS = (0, 1, 5, 15, 30)
"""Review counts at which a heatmap cell moves up one shade."""


def heat_level(count: int) -> int:
    """0 (no reviews) to 4 (a big day)."""
    return max(i for i, low in enumerate(HEAT_LEVELS) if count >= low)


def heatmap_grid(today: date, counts: dict[date, int], weeks: int) -> list[list[int | None]]:
    """Seven rows (Monday first) by `weeks` columns (oldest first) of heat levels.

    The last column is the week holding `today`; days after today are None.
    """
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    grid: list[list[int | None]] = []
    for weekday in range(7):
        row: list[int | None] = []
        for week in range(weeks):
            day = first_monday + timedelta(weeks=week, days=weekday)
            row.append(None if day > today else heat_level(counts.get(day, 0)))
        grid.append(row)
    return grid


def month_starts(today: date, weeks: int) -> dict[int, str]:
    """Column -> month name, for the weeks (columns) in which a month begins."""
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    starts = {}
    for week in range(weeks):
        sunday = first_monday + timedelta(weeks=week, days=6)
        if sunday.day <= 7:
            starts[week] = sunday.strftime("%b")
    return starts


class Heatmap(Widget):
    """A year of reviews as a week × weekday grid, shaded by how many reviews a day had.

    Columns are weeks (oldest on the left), rows Monday to Sunday; month names sit above
    the week a month starts in. Cells are two characters wide when the widget has room
    for a full year that way, one otherwise.
    """

    DEFAULT_CSS = """
    Heatmap {
        height: 10;
        width: 1fr;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "heatmap--0",
        "heatmap--1",
        "heatmap--2",
        "heatmap--3",
        "heatmap--4",
        "heatmap--label",
    }

    def __init__(self, today: date, counts: dict[date, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today
        self.counts = counts

    def render(self) -> RenderableType:
        label_style = self.get_component_rich_style("heatmap--label")
        styles = [self.get_component_rich_style(f"heatmap--{i}") for i in range(5)]
        room = max(10, self.size.width - 4)
        cell = 2 if room >= 53 * 2 else 1
        weeks = min(53, room // cell)
        header = Text("    ", style=label_style)
        names = month_starts(self.today, weeks)
        column = 0
        while column < weeks:
            name = names.get(column)
            if name is not None and column < weeks - 1:
                pad = (-len(name)) % cell
                header.append(name + " " * pad, style=label_style)
                column += (len(name) + pad) // cell
            else:
                header.append(" " * cell)
                column += 1
        lines = [header]
        glyph = "■ " if cell == 2 else "■"
        grid = heatmap_grid(self.today, self.counts, weeks)
        for name, row in zip(("Mon", "", "Wed", "", "Fri", "", "Sun"), grid, strict=True):
            line = Text(f"{name:<4}", style=label_style)
            for level in row:
                if level is None:
                    line.append(" " * cell)
                else:
                    line.append(glyph, style=styles[level])
            lines.append(line)
        legend = Text("    less ", style=label_style)
        for style in styles:
            legend.append(glyph, style=style)
        legend.append(" more", style=label_style)
        lines.append(legend)
        return Group(*lines)
