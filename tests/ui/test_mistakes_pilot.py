"""Mistakes to unlearn on screen: home counts the active ones and the drills bring the due
ones back, the stats list them, and the tempting problem says which mistake it practises,
at 80×24 and at 60×20."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.drills.mistakes import describe
from studyapp.ui.app import make_app
from studyapp.ui.drill import DrillScreen
from studyapp.ui.home import HomeScreen
from studyapp.ui.stats import StatsScreen
from tests.test_misconception_session import SIGN, offers, worked_with_slip

from .builders import SEED
from .test_pilot import plain
from .test_small_screens import drawn


def at_width(widget: Static) -> str:
    """A Static's content as drawn at the widget's own width."""
    console = Console(width=widget.size.width, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def make_the_sign_slip(collection: Collection) -> None:
    for seed in range(50):
        session = collection.drill(topic_ids=["chain_rule"], seed=seed)
        if offers(session.problem, SIGN):
            session.submit(worked_with_slip(session.problem, "a1", SIGN))
            return
    raise AssertionError("no chain_rule problem offers the sign slip")


async def test_home_says_nothing_of_mistakes_before_there_is_one(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "unlearn" not in plain(app.screen.query_one("#home-message", Static))


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_home_counts_the_mistakes_and_the_drills_bring_them(
    collection: Collection, size: tuple[int, int]
) -> None:
    make_the_sign_slip(collection)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        message = screen.query_one("#home-message", Static)
        assert "1 mistake to unlearn" in drawn(message)
        assert message.region.right <= size[0]
        # the mistake due today; chain_rule was the first of the 3 new topics a day
        assert "1 due · 2 new" in plain(screen.query_one("#stat-drills", Static))
        await pilot.press("d")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        # nothing else is due: the mistake's turn comes first, and says what it practises
        assert drill.session.tempting == SIGN
        assert drill.session.problem is not None and offers(drill.session.problem, SIGN)
        prompt = drill.query_one("#prompt", Static)
        assert drawn(prompt).startswith("A mistake to unlearn: computed σ(z)")
        assert prompt.region.right <= size[0]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_stats_list_the_active_mistakes(
    collection: Collection, size: tuple[int, int]
) -> None:
    make_the_sign_slip(collection)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        for _ in range(50):
            await pilot.pause()
            if screen.data is not None:
                break
        table = screen.query_one("#mistakes", Static)
        assert table.display and table.region.right <= size[0]
        shown = " ".join(at_width(table).split())
        assert "Mistakes to unlearn" in shown
        assert " ".join(describe(SIGN).split()[:4]) in shown
        assert "1×" in shown and "today" in shown
