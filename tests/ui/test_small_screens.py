"""Small terminals: every grade name readable at 80×24, every screen usable at 60×20.

"Shown" means inside the screen: a footer key whose region runs past the right edge is cut,
and a grade cell narrower than its text is cut (Rich crops it with an ellipsis).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen
from studyapp.ui.drill import DrillScreen
from studyapp.ui.help import HelpScreen
from studyapp.ui.home import HomeScreen
from studyapp.ui.review import ReviewScreen
from studyapp.ui.stats import StatsScreen
from studyapp.ui.topics import TopicsScreen

from .builders import SEED

SM2_WORDS = ("Blank", "Wrong", "Close", "Hard", "Good", "Easy")
ANKI_WORDS = ("Again", "Hard", "Good", "Easy")


def footer(app: Any) -> dict[str, str]:
    """The footer keys drawn whole on the screen: key shown -> its words."""
    width = app.screen.size.width
    return {
        key.key_display: key.description
        for key in app.screen.query(FooterKey)
        if key.region.width > 0 and key.region.right <= width
    }


def drawn(widget: Widget) -> str:
    """What `widget` draws at its own width (crops and ellipses included)."""
    console = Console(width=widget.size.width, record=True, file=io.StringIO())
    console.print(widget.render())
    return console.export_text()


@pytest.mark.parametrize(("grade_keys", "words"), [("sm2", SM2_WORDS), ("anki", ANKI_WORDS)])
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_every_grade_name_shows_in_full(
    collection: Collection, grade_keys: str, words: tuple[str, ...], size: tuple[int, int]
) -> None:
    collection.set_preference("grade_keys", grade_keys)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        panel = drawn(app.screen.query_one("#grades"))
        assert "…" not in panel
        for word in words:
            assert word in panel
        shown = footer(app)
        assert shown.get("?") == "Keys"
        if size[0] >= 80:  # the footer has room for the words too
            grade_words = [shown.get(key, "") for key in ("0", "1", "2", "3", "4", "5")]
            for word in words:
                assert any(text.startswith(word) for text in grade_words), (word, shown)


async def at(app: Any, pilot: Any, keys: tuple[str, ...]) -> None:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    await pilot.pause(0.3)


SCREENS: list[tuple[str, tuple[str, ...], type, tuple[str, ...]]] = [
    ("home", (), HomeScreen, ("r", "d", "t", "s", "b")),
    ("review front", ("r",), ReviewScreen, ("space", "esc")),
    ("review answer", ("r", "space"), ReviewScreen, ("esc",)),
    ("drill", ("d",), DrillScreen, ("esc", "f2")),
    ("topics", ("t",), TopicsScreen, ("esc",)),
    ("stats", ("s",), StatsScreen, ("esc",)),
    ("browse", ("b",), BrowseScreen, ("esc",)),
    ("help", ("question_mark",), HelpScreen, ()),
]


@pytest.mark.parametrize(("name", "keys", "kind", "needed"), SCREENS, ids=[s[0] for s in SCREENS])
async def test_every_screen_keeps_its_keys_at_60_by_20(
    studied: Collection, name: str, keys: tuple[str, ...], kind: type, needed: tuple[str, ...]
) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await at(app, pilot, keys)
        assert isinstance(app.screen, kind)
        shown = footer(app)
        if kind is not HelpScreen:  # where ? is typed into a box, F1 is the help key
            assert shown.get("?", shown.get("f1")) == "Keys", shown
        for key in needed:
            assert key in shown, (key, shown)


def top_edge(widget: Widget) -> str:
    """The widget's top border as drawn, its title (cut with an ellipsis, or whole) in it."""
    from textual.geometry import Region

    line = widget.render_lines(Region(0, 0, widget.outer_size.width, 1))[0]
    return line.text


async def test_every_home_stat_title_reads_whole_at_60_by_20(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(60, 20)) as pilot:
        app.start_drill(["softmax"])  # one attempt today: the drills title grows, "Drills ✓ 1"
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        while not isinstance(app.screen, HomeScreen):
            await pilot.press("escape")
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        boxes = list(app.screen.query(".stat"))
        assert len(boxes) == 4
        for box in boxes:
            title = str(box.border_title)
            assert title in top_edge(box), (title, top_edge(box))
            assert box.region.right <= 60
        assert "✓" in str(boxes[-1].border_title)
