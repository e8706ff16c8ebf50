"""No dropped frame (issue 16): the UI thread does no long work between a key and its paint.

Timing belongs to the benchmark (tests/bench/frames.py); these tests check the causes:
where the work runs and that its result still reaches the screen.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from textual.widgets import Static
from textual.widgets._footer import FooterKey

from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.footer import KeysFooter
from studyapp.ui.home import PREPARE_AFTER_S, HomeScreen

from .builders import SEED

SIZE = (100, 32)


def plain(widget: Static) -> str:
    return str(widget.render())


async def test_back_home_counts_off_the_ui_thread_then_painted(studied: Collection) -> None:
    threads: list[str] = []
    counting = studied.home

    def home() -> Any:
        threads.append(threading.current_thread().name)
        return counting()

    studied.home = home  # type: ignore[method-assign]
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = len(threads)
        assert first >= 1 and threads[0] == threading.main_thread().name  # in the first frame
        due = int(plain(app.screen.query_one("#stat-left", Static)).split()[0])
        await pilot.press("r", "space", "5")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert threads[first:] and threading.main_thread().name not in threads[first:]
        assert "1 review" in plain(app.screen.query_one("#stat-done", Static))
        assert f"{due - 1} card" in plain(app.screen.query_one("#stat-left", Static))


async def test_the_start_up_heap_is_frozen_once_the_warm_up_is_done(studied: Collection) -> None:
    """A full collection walked every object start-up loaded: a pause of a quarter to half a
    second in the middle of a grade, every few dozen grades."""
    gc.unfreeze()
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(PREPARE_AFTER_S + 0.1)
        await app.workers.wait_for_complete()
        assert gc.get_freeze_count() > 10_000


async def test_a_grade_rebuilds_the_footer_once_and_leaks_no_key(studied: Collection) -> None:
    """Textual's footer rebuilt its keys for every bindings refresh (three a grade) and kept
    each old key alive through a watcher: the heap grew with every grade."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        footer = app.screen.query_one(KeysFooter)
        before = footer.rebuilds
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        assert footer.rebuilds - before == 2  # the answer's keys, then the next front's
        gc.collect()
        alive = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
        assert len(alive) == len(footer.query(FooterKey)) + len(
            app.screen_stack[0].query(FooterKey)
        )
