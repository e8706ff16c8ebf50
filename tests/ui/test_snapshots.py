"""SVG snapshots of every screen in its main states (pytest-textual-snapshot).

The collection, the date (10 March 2026, FixedClock), the drill seed and the cursor blink
are fixed, so a changed picture means a changed screen. Regenerate on purpose with
`pytest tests/ui/test_snapshots.py --snapshot-update` and look at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from studyapp.collection import Collection
from studyapp.ui.app import StudyApp, make_app
from studyapp.ui.drill import DrillScreen

from .builders import SEED

SIZE = (100, 32)
SnapCompare = Callable[..., bool]


def app_for(collection: Collection) -> StudyApp:
    return make_app(collection, seed=SEED, cursor_blink=False, schedule_new_topics=False)


async def drill_softmax(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, StudyApp)
    app.start_drill(["softmax"])
    await pilot.pause()


def test_home(snap_compare: SnapCompare, studied: Collection) -> None:
    assert snap_compare(app_for(studied), terminal_size=SIZE)


def test_home_small_terminal(snap_compare: SnapCompare, studied: Collection) -> None:
    assert snap_compare(app_for(studied), terminal_size=(80, 24))


def test_home_60_columns(snap_compare: SnapCompare, studied: Collection) -> None:
    """Every stat box's title reads whole at 60×20."""
    assert snap_compare(app_for(studied), terminal_size=(60, 20))


def test_home_nothing_studied(snap_compare: SnapCompare, collection: Collection) -> None:
    assert snap_compare(app_for(collection), terminal_size=SIZE)


def test_review_front(snap_compare: SnapCompare, studied: Collection) -> None:
    assert snap_compare(app_for(studied), press=["r"], terminal_size=SIZE)


def test_review_revealed(snap_compare: SnapCompare, studied: Collection) -> None:
    assert snap_compare(app_for(studied), press=["r", "space"], terminal_size=SIZE)


def test_review_revealed_small_terminal(snap_compare: SnapCompare, collection: Collection) -> None:
    assert snap_compare(app_for(collection), press=["r", "space"], terminal_size=(80, 24))


def test_review_summary(snap_compare: SnapCompare, studied: Collection) -> None:
    keys = ["r", "space", "5", "space", "2", "space", "4"]
    assert snap_compare(app_for(studied), press=keys, terminal_size=SIZE)


def test_drill_question(snap_compare: SnapCompare, collection: Collection) -> None:
    assert snap_compare(app_for(collection), run_before=drill_softmax, terminal_size=SIZE)


def test_drill_hint(snap_compare: SnapCompare, collection: Collection) -> None:
    assert snap_compare(
        app_for(collection), run_before=drill_softmax, press=["f2"], terminal_size=SIZE
    )


def test_drill_answered_wrong(snap_compare: SnapCompare, collection: Collection) -> None:
    keys = [*"0.1, 0.2, 0.7", "enter"]
    assert snap_compare(
        app_for(collection), run_before=drill_softmax, press=keys, terminal_size=SIZE
    )


def test_drill_unreadable(snap_compare: SnapCompare, collection: Collection) -> None:
    keys = [*"0.1; x", "enter"]
    assert snap_compare(
        app_for(collection), run_before=drill_softmax, press=keys, terminal_size=SIZE
    )


def test_drill_matrices(snap_compare: SnapCompare, collection: Collection) -> None:
    async def forward_pass(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, StudyApp)
        app.start_drill(["forward_pass"])
        await pilot.pause()

    assert snap_compare(app_for(collection), run_before=forward_pass, terminal_size=SIZE)


def test_drill_steps_one_early_slip(snap_compare: SnapCompare, collection: Collection) -> None:
    """chain_rule worked in steps: a1 has the sign slip, every later step follows from it."""
    from .test_steps_pilot import STEP_SEED, carried_from_a1_slip

    async def worked(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, StudyApp)
        app.start_drill(["chain_rule"])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen) and screen.problem is not None
        for name, value in carried_from_a1_slip(screen.problem).items():
            screen.field(name).value = value
        screen.field("answer").focus()
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(collection, seed=STEP_SEED, cursor_blink=False, schedule_new_topics=False)
    assert snap_compare(app, run_before=worked, terminal_size=(80, 24))


def test_stats(snap_compare: SnapCompare, studied: Collection) -> None:
    async def open_stats(pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(studied), run_before=open_stats, terminal_size=SIZE)


def test_stats_small_terminal(snap_compare: SnapCompare, studied: Collection) -> None:
    async def open_stats(pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(studied), run_before=open_stats, terminal_size=(80, 24))


def test_browse(snap_compare: SnapCompare, studied: Collection) -> None:
    async def open_browse(pilot: Pilot[Any]) -> None:
        await pilot.press("b", "down")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(studied), run_before=open_browse, terminal_size=SIZE)


def test_browse_80_columns(snap_compare: SnapCompare, studied: Collection) -> None:
    """At 80 columns the Front column has the room (the detail columns give way)."""

    async def open_browse(pilot: Pilot[Any]) -> None:
        await pilot.press("b", "down")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(studied), run_before=open_browse, terminal_size=(80, 24))


def test_browse_card_with_history(snap_compare: SnapCompare, studied: Collection) -> None:
    """Sorted by lapses, most first; the top card's view with its review history (80x24)."""

    async def open_card(pilot: Pilot[Any]) -> None:
        await pilot.press("b", "down")
        await pilot.app.workers.wait_for_complete()
        while getattr(pilot.app.screen, "sort", "lapses") != "lapses":
            await pilot.press("o")
        await pilot.press("O")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(studied), run_before=open_card, terminal_size=(80, 24))


def test_help_on_review(snap_compare: SnapCompare, studied: Collection) -> None:
    assert snap_compare(app_for(studied), press=["r", "question_mark"], terminal_size=SIZE)
