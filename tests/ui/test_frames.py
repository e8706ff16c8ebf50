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
from studyapp.ui.collector import HELD_S
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


def paints(app: Any) -> list[tuple[str, str]]:
    """(screen, kind of update) of every frame the app composes from now on."""
    seen: list[tuple[str, str]] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is not None:
            seen.append((type(app.screen).__name__, type(renderable).__name__))

    app._display = display
    return seen


async def test_a_grade_repaints_what_changed_not_the_whole_screen(studied: Collection) -> None:
    """`revealed` and `finished` only decide which keys apply: as repainting reactives, each
    grade redrew every cell of the screen (a full update) in the grade's frame."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause(0.2)  # the screen's first frames painted
        seen, graded = paints(app), []
        for _ in range(2):
            await pilot.press("space")
            await pilot.pause()
            seen.clear()
            await pilot.press("4")
            await pilot.pause()
            graded.extend(seen)
        assert graded and ("ReviewScreen", "LayoutUpdate") not in graded


async def test_a_grade_asks_the_store_nothing_about_decks(studied: Collection) -> None:
    """The source line needs the card's deck file: read for every card shown, it was a store
    call in each grade's frame; the review reads the decks once."""
    from sqlalchemy import event

    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        statements: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(studied.db.engine, "before_cursor_execute", seen)
        try:
            sources = []
            for _ in range(3):
                await pilot.press("space")
                await pilot.pause()
                sources.append(plain(app.screen.query_one("#source", Static)))
                await pilot.press("4")
                await pilot.pause()
        finally:
            event.remove(studied.db.engine, "before_cursor_execute", seen)
        assert not [s for s in statements if "decks" in s.lower()]
        assert any("Source" in s for s in sources)  # the line is still there


async def test_back_home_paints_before_the_recount_starts(studied: Collection) -> None:
    """The recount's thread holds the GIL for part of its work: started at once, it slowed
    the paint of the home screen it was counting for."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    painted_home_before: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = app.screen
        recount = home.recount

        def started() -> Any:
            painted_home_before.append(("HomeScreen", "LayoutUpdate") in seen)
            return recount()

        home.recount = started  # type: ignore[method-assign]
        await pilot.press("r", "space", "5")
        await pilot.pause()
        seen = paints(app)
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert painted_home_before == [True]
        assert "1 review" in plain(app.screen.query_one("#stat-done", Static))


async def test_a_key_holds_the_collector_off_until_its_frame(studied: Collection) -> None:
    """A full collection in the frame after a key (5–7 ms after a visit to stats, whose
    objects are not frozen) doubled Esc's time to the home screen: the collector waits."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    during: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        original = screen.action_cursor

        def cursor(step: int) -> None:
            during.append(gc.isenabled())
            original(step)

        screen.action_cursor = cursor  # type: ignore[method-assign]
        await pilot.press("down")
        assert during == [False]
        await pilot.pause(HELD_S + 0.1)
        assert gc.isenabled()
        await pilot.press("down")
        assert not gc.isenabled()
    assert gc.isenabled()  # the app closed within the hold: the collector is back


async def test_every_front_says_space_shows_the_answer(studied: Collection) -> None:
    """The hint came back on no card after the first: the grade panel's place stood empty
    (one widget fewer in the screen's layout, so the footer and title bar were repainted
    in every grade's frame)."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        hint = app.screen.query_one("#review-hint", Static)
        assert hint.display and "Space" in plain(hint)
        await pilot.press("space")
        await pilot.pause()
        assert not hint.display
        await pilot.press("4")
        await pilot.pause()
        assert app.screen.session.current is not None  # a second card, front up
        assert hint.display and "Space" in plain(hint)
