"""SVG snapshots of the custom-study menu (issue 15), at 80×24 and 60×20."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from studyapp.collection import Collection
from studyapp.ui.app import make_app

from .builders import SEED

SnapCompare = Callable[..., bool]


async def open_menu(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.press("c")
    await pilot.pause()


def test_custom_study_menu(snap_compare: SnapCompare, studied: Collection) -> None:
    app = make_app(studied, seed=SEED, cursor_blink=False, schedule_new_topics=False)
    assert snap_compare(app, run_before=open_menu, terminal_size=(80, 24))


def test_custom_study_menu_small(snap_compare: SnapCompare, studied: Collection) -> None:
    app = make_app(studied, seed=SEED, cursor_blink=False, schedule_new_topics=False)
    assert snap_compare(app, run_before=open_menu, terminal_size=(60, 20))
