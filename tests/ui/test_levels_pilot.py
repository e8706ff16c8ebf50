"""Pilot tests for per-topic levels: the topics screen shows and sets each topic's level
(kept across restarts, undoable), and the drill screen says when a level changes."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from studyapp.collection import Collection
from studyapp.config import FixedClock
from studyapp.ui.app import make_app
from studyapp.ui.drill import DrillScreen
from studyapp.ui.topics import TopicsScreen

from .builders import SEED, open_collection, right_answer
from .test_pilot import SIZE, plain


def level_cell(screen: TopicsScreen, topic_id: str) -> str:
    table = screen.query_one("#topics", DataTable)
    return str(table.get_cell(topic_id, "level"))


async def open_topics_at(app, pilot, topic_id: str) -> TopicsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("t")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TopicsScreen)
    table = screen.query_one("#topics", DataTable)
    table.move_cursor(row=table.get_row_index(topic_id))
    await pilot.pause()
    return screen


async def test_picking_a_level_is_stored_shown_and_undoable(
    collection: Collection, tmp_path: Path, ui_clock: FixedClock
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_topics_at(app, pilot, "softmax")
        assert level_cell(screen, "softmax") == "1"
        await pilot.press("3")
        await pilot.pause()
        assert collection.topic_levels()["softmax"] == 3
        assert level_cell(screen, "softmax") == "3"
        await pilot.press("2")
        await pilot.pause()
        assert collection.topic_levels()["softmax"] == 2
        await pilot.press("u")  # takes back the last pick: 3 again
        await pilot.pause()
        assert collection.topic_levels()["softmax"] == 3
        assert level_cell(screen, "softmax") == "3"
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen) and drill.problem is not None
        assert (drill.problem.topic, drill.problem.difficulty) == ("softmax", 3)
        assert "level 3" in plain(drill.query_one("#drill-progress", Static))
    path = collection.db.sqlite_file.path
    collection.close()
    reopened = open_collection(path, ui_clock)  # a restart remembers the pick
    try:
        app = make_app(reopened, seed=SEED, schedule_new_topics=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_topics_at(app, pilot, "softmax")
            assert level_cell(screen, "softmax") == "3"
    finally:
        reopened.close()


async def test_the_drill_screen_says_when_a_level_moves(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_topics_at(app, pilot, "softmax")
        await pilot.press("enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen) and drill.problem is not None
        assert drill.problem.difficulty == 1
        for attempt in range(2):
            drill.query_one("#answer").value = right_answer(drill.problem.answer)
            await pilot.press("enter")
            await pilot.pause()
            note = plain(drill.query_one("#grade-line", Static))
            if attempt == 0:
                assert "level" not in note
                await pilot.press("n")
                await pilot.pause()
        assert "Up to level 2 — bigger numbers next time" in note
        assert collection.topic_levels()["softmax"] == 2
        await pilot.press("1")  # the learner's own grade 1: a lapse, so no move up
        await pilot.pause()
        note = plain(drill.query_one("#grade-line", Static))
        assert "Up to level" not in note and collection.topic_levels()["softmax"] == 1
        await pilot.press("5")
        await pilot.pause()
        assert "Up to level 2" in plain(drill.query_one("#grade-line", Static))
        await pilot.press("n")
        await pilot.pause()
        assert drill.problem.difficulty == 2
        assert "level 2" in plain(drill.query_one("#drill-progress", Static))
