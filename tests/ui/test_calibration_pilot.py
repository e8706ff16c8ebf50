"""The stats screen's calibration section (issue 17): both schedulers' scores and the
calibration plot, loaded in a worker of their own, readable at 80×24 and 60×20."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.calibration import CalibrationPlot, CalibrationView
from studyapp.ui.stats import StatsScreen

from .builders import SEED
from .test_pilot import plain


async def open_calibration(pilot: Any) -> CalibrationView:
    await pilot.press("s")
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    view = screen.query_one(CalibrationView)
    screen.query_one("#stats-body").scroll_to_widget(view, animate=False, top=True)
    await pilot.pause()
    return view


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_calibration_shows_both_schedulers_scores_and_plot(
    studied: Collection, size: tuple[int, int]
) -> None:
    expected = studied.calibration()
    assert expected.reviews > 0
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        view = await open_calibration(pilot)
        assert not view.loading and view.found == expected
        table = plain(view.query_one("#calibration-table", Static))
        for score in (expected.sm2, expected.fsrs):
            assert score.log_loss is not None and f"{score.log_loss:.3f}" in table
            assert score.rmse_bins is not None and f"{score.rmse_bins:.3f}" in table
        assert "SM-2" in table and "FSRS" in table and "in use" in table
        assert "default weights" in table
        assert f"{expected.reviews} reviews" in table
        plot = view.query_one(CalibrationPlot)
        drawn = rendered(plot)
        assert "Widen the window" not in drawn
        assert "●" in drawn and "◆" in drawn and "predicted recall" in drawn
        assert plot.region.width <= size[0] and plot.region.height > 0
        assert screen_fits(view, size)


def rendered(plot: CalibrationPlot) -> str:
    """The plot as plain text, as the terminal shows it."""
    console = Console(width=plot.size.width, record=True, file=io.StringIO())
    console.print(plot.render())
    return console.export_text()


def screen_fits(view: CalibrationView, size: tuple[int, int]) -> bool:
    """The section lies within the screen's width (nothing hides past the right edge)."""
    return view.region.right <= size[0]


async def test_calibration_says_when_there_is_nothing_to_measure(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_calibration(pilot)
        assert "Nothing to measure yet" in plain(view.query_one("#calibration-table", Static))
        assert "No item reviewed" in rendered(view.query_one(CalibrationPlot))


async def test_calibration_names_the_active_scheduler(studied: Collection) -> None:
    studied.set_preference("scheduler", "fsrs")
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_calibration(pilot)
        rows = plain(view.query_one("#calibration-table", Static)).splitlines()
        assert any("FSRS" in row and "in use" in row for row in rows)
        assert not any("SM-2" in row and "in use" in row for row in rows)


async def test_calibration_says_when_fsrs_weights_were_fitted(studied: Collection) -> None:
    from studyapp.schedulers import fsrs

    weights = fsrs.parameters_text(fsrs.default_parameters())
    with studied.db.writing() as sql:
        sql.run("write_preference", {"key": fsrs.PARAMETERS_KEY, "value": weights})
        sql.run("write_preference", {"key": fsrs.FITTED_KEY, "value": "2026-03-01 512"})
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_calibration(pilot)
        table = plain(view.query_one("#calibration-table", Static))
        assert "fitted to you on 2026-03-01 from 512 reviews" in table


async def test_the_app_keeps_fsrs_up_to_date_in_a_worker_after_start(
    studied: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.review.fitting import Fitted

    calls: list[str] = []

    def upkeep() -> Fitted:
        import threading

        calls.append(threading.current_thread().name)
        return Fitted((), studied.settings.today(), 432)

    monkeypatch.setattr(studied, "fsrs_upkeep", upkeep)
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert calls == []  # not during start-up
        await pilot.pause(1.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(calls) == 1 and calls[0] != "MainThread"
        assert any("432 reviews" in str(n.message) for n in app._notifications)


async def test_a_fit_that_found_nothing_to_learn_says_why_and_that_the_defaults_stay(
    studied: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.review.fitting import NOTHING_TO_LEARN, NotFitted

    def upkeep() -> NotFitted:
        return NotFitted(NOTHING_TO_LEARN, studied.settings.today(), 432)

    monkeypatch.setattr(studied, "fsrs_upkeep", upkeep)
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any(NOTHING_TO_LEARN in m and "defaults stay" in m for m in messages)
        assert not any("now fitted" in m for m in messages)


async def test_review_grade_keys_show_the_active_schedulers_intervals(studied: Collection) -> None:
    from studyapp.review.fsrs_state import stored_state
    from studyapp.schedulers import fsrs
    from studyapp.schedulers.sm2 import preview_intervals
    from studyapp.ui.review import GradePanel, ReviewScreen

    studied.set_preference("scheduler", "fsrs")
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        card = screen.session.current
        assert card is not None
        state = stored_state(studied.db, "card", card.id, card.state)
        expected = fsrs.preview_intervals(state, studied.settings.today())
        shown = screen.query_one("#grades", GradePanel).intervals
        assert shown == expected
        assert shown != preview_intervals(card.state)  # not SM-2's
