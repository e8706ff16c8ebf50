"""The UI's pure helpers: formatting, footer labels, input tables, help parsing, imports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date

import pytest
from rich.console import Console, RenderableType

from studyapp.ui.help import _split_action
from studyapp.ui.widgets import (
    AGAIN_MARK,
    days,
    duration,
    grade_labels,
    heat_level,
    heatmap_grid,
    inputs_renderable,
    month_starts,
    steps_renderable,
)


def text_of(renderable: RenderableType, width: int = 100) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


@pytest.mark.parametrize(
    ("n", "shown"),
    [(1, "1d"), (6, "6d"), (99, "99d"), (100, "3mo"), (364, "12mo"), (365, "1y"), (550, "1.5y")],
)
def test_days(n: int, shown: str) -> None:
    assert days(n) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (42.4, "42s"), (185, "3m 05s"), (3720, "1h 02m")]
)
def test_duration(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


def test_grade_labels_fit_the_width() -> None:
    intervals = {0: 1, 1: 1, 2: 1, 3: 15, 4: 16, 5: 17}
    wide = grade_labels(intervals, 200, 20)
    assert wide[4] == "Good · 16d" and wide[2] == f"Close · 1d {AGAIN_MARK}"
    narrow = grade_labels(intervals, 80, 20)
    assert narrow[4] == "16d" and narrow[0] == f"1d{AGAIN_MARK}"
    for width in (80, 100, 120, 200):
        labels = grade_labels(intervals, width, 20)
        used = sum(len(text) + 3 for text in labels.values()) + 20
        assert used <= width or labels == narrow  # the tersest form is the floor


def test_heat_levels() -> None:
    assert [heat_level(n) for n in (0, 1, 4, 5, 14, 15, 29, 30, 500)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_inputs_share_a_table_per_vector_length() -> None:
    inputs = {
        "theta": [1.0, -2.0, 0.5],
        "grad": [0.25, 0.5, -1.0],
        "target": [1, 0],
        "W": [[1.0, 2.0], [3.0, 4.0]],
        "lr": 0.1,
        "activation": "relu",
    }
    lines = text_of(inputs_renderable(inputs))
    assert lines[0].split() == ["lr", "=", "0.1", "activation", "=", "relu"]
    # theta and grad line up under one header of indices; target has its own table
    headers = [i for i, line in enumerate(lines) if line.split()[:1] == ["[0]"]]
    assert len(headers) == 2
    theta = next(line for line in lines if line.split()[:1] == ["theta"])
    grad = next(line for line in lines if line.split()[:1] == ["grad"])
    assert theta.split() == ["theta", "1", "-2", "0.5"]
    assert grad.split() == ["grad", "0.25", "0.5", "-1"]
    # right-aligned in shared columns: "-2" and "0.5" (index 1) end in the same place
    assert theta.index("-2") + len("-2") == grad.index(" 0.5") + len(" 0.5")
    assert any(line.split() == ["W", "2×2"] for line in lines)
    rows = [line.replace("│", " ").split() for line in lines]
    assert ["0", "1"] in rows and ["0", "1", "2"] in rows and ["1", "3", "4"] in rows


def test_steps_are_numbered_in_order() -> None:
    lines = text_of(steps_renderable(["first", "second", "third"]))
    assert [line.split()[0] for line in lines] == ["1.", "2.", "3."]


def test_split_action() -> None:
    assert _split_action("grade(4)") == ("grade", (4,))
    assert _split_action("difficulty(2)") == ("difficulty", (2,))
    assert _split_action("reveal") == ("reveal", ())


def test_app_starts_without_plotext() -> None:
    code = "import json, sys; import studyapp.ui.app; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(out.stdout))
    assert "textual" in loaded
    assert not {"plotext", "textual_plotext", "sympy"} & loaded


def test_heatmap_grid_ends_on_today() -> None:
    today = date(2026, 3, 10)  # a Tuesday
    counts = {date(2026, 3, 9): 40, date(2026, 3, 10): 3, date(2026, 3, 1): 7}
    grid = heatmap_grid(today, counts, weeks=3)
    assert len(grid) == 7 and all(len(row) == 3 for row in grid)
    assert [row[2] for row in grid] == [4, 1, None, None, None, None, None]
    # the week before: Monday 2 March .. Sunday 8 March, nothing studied
    assert [row[1] for row in grid] == [0] * 7
    # Sunday 1 March closes the first column
    assert grid[6][0] == 2


def test_month_starts() -> None:
    # the columns are the weeks starting 16 Feb, 23 Feb, 2 Mar and 9 Mar 2026;
    # 1 March falls in the week of 23 February
    assert month_starts(date(2026, 3, 10), weeks=4) == {1: "Mar"}


def test_every_binding_has_a_description() -> None:
    from textual.binding import Binding

    from studyapp.ui.app import StudyApp
    from studyapp.ui.browse import BrowseScreen, CardScreen, CardTable, ConfirmScreen
    from studyapp.ui.drill import AnswerInput, DrillScreen
    from studyapp.ui.help import HelpScreen
    from studyapp.ui.home import HomeScreen
    from studyapp.ui.review import ReviewScreen
    from studyapp.ui.stats import StatsScreen
    from studyapp.ui.topics import TopicsScreen, TopicTable

    owners = (
        StudyApp,
        HomeScreen,
        ReviewScreen,
        DrillScreen,
        AnswerInput,
        TopicsScreen,
        StatsScreen,
        BrowseScreen,
        CardScreen,
        ConfirmScreen,
        HelpScreen,
        CardTable,
        TopicTable,
    )
    for owner in owners:
        for binding in Binding.make_bindings(owner.BINDINGS):
            assert binding.description, f"{owner.__name__}: {binding.key} has no description"
            assert binding.tooltip, f"{owner.__name__}: {binding.key} has no help text"


def test_every_notification_of_the_ui_is_plain_text() -> None:
    """Notifications carry card fronts, deck names and error texts: Textual would read
    `[/etc]` in them as markup (and crash), so every notify() call says markup=False."""
    import ast
    from pathlib import Path

    import studyapp.ui

    missing = []
    for path in sorted(Path(studyapp.ui.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "notify"
            ):
                plain = any(
                    k.arg == "markup"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
                if not plain:
                    missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_drill_input_names_are_not_markup() -> None:
    lines = text_of(inputs_renderable({"w[/x]": [[1, 2], [3, 4]], "b[bold]": [1.5, 2.5]}))
    assert any("w[/x]  2×2" in line for line in lines)
    assert any("b[bold]" in line for line in lines)
