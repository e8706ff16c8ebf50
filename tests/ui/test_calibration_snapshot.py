"""SVG snapshot of the stats screen's calibration section at 80×24 (issue 17).

Regenerate on purpose with `pytest tests/ui/test_calibration_snapshot.py --snapshot-update`
and look at it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from studyapp.collection import Collection
from studyapp.ui.app import StudyApp, make_app
from studyapp.ui.calibration import CalibrationView

from .builders import SEED

SnapCompare = Callable[..., bool]


def test_stats_calibration(snap_compare: SnapCompare, studied: Collection) -> None:
    async def scroll_to_calibration(pilot: Pilot[Any]) -> None:
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        view = pilot.app.screen.query_one(CalibrationView)
        pilot.app.screen.query_one("#stats-body").scroll_to_widget(view, animate=False, top=True)
        await pilot.pause()

    app: StudyApp = make_app(studied, seed=SEED, cursor_blink=False, schedule_new_topics=False)
    assert snap_compare(app, run_before=scroll_to_calibration, terminal_size=(80, 24))
