"""Browse as a tool (issue 15 item 4, issue 16's search): sorting, the card's history,
tag completion, search through a worker with stale results dropped, filters, and undo of
suspend and reset."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen, CardScreen, ConfirmScreen, SearchDone
from studyapp.ui.card_history import CardHistory

from .builders import SEED

SIZE = (80, 24)


async def open_browse(pilot: Pilot[Any]) -> BrowseScreen:
    await pilot.press("b")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


async def settle(pilot: Pilot[Any]) -> None:
    """Past the typing pause, the search worker done and its rows in the table."""
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def ids(screen: BrowseScreen) -> list[str]:
    table = screen.query_one("#cards", DataTable)
    return [str(key.value) for key in table.rows]


def header(screen: BrowseScreen) -> list[str]:
    table = screen.query_one("#cards", DataTable)
    return [str(column.label) for column in table.columns.values()]


def header_x(screen: BrowseScreen, key: str) -> int:
    """The x offset, inside the table, of the middle of column `key`'s header."""
    table = screen.query_one("#cards", DataTable)
    x = 0
    for column_key, column in table.columns.items():
        width = column.get_render_width(table)
        if column_key.value == key:
            return x + width // 2
        x += width
    raise KeyError(key)


def rendered(widget: Static) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_o_cycles_the_sort_and_shift_o_reverses_it(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        assert "Deck▲" in header(screen)
        await pilot.press("down")
        names = [name for name, _ in studied.card_sorts()]
        while screen.sort != "lapses":
            await pilot.press("o")
        await settle(pilot)
        assert "Lapses▲" in header(screen)
        rows = studied.search_cards()
        lapses = {row.id: row.lapses for row in rows}
        assert [lapses[i] for i in ids(screen)] == sorted(lapses.values())
        await pilot.press("O")
        await settle(pilot)
        assert "Lapses▼" in header(screen) and screen.descending
        assert [lapses[i] for i in ids(screen)] == sorted(lapses.values(), reverse=True)
        count = str(screen.query_one("#browse-count", Static).render())
        assert "by lapses ▼" in count
        while screen.sort != "added":
            await pilot.press("o")
        await settle(pilot)
        assert "Added▲" in header(screen) and "Due" not in " ".join(header(screen))
        assert len(names) >= 8


async def test_clicking_a_header_sorts_by_it(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        await pilot.click("#cards", offset=(header_x(screen, "reps"), 0))
        await settle(pilot)
        assert screen.sort == "reps" and not screen.descending
        reps = {row.id: row.repetitions for row in studied.search_cards()}
        assert [reps[i] for i in ids(screen)] == sorted(reps.values())
        await pilot.click("#cards", offset=(header_x(screen, "reps"), 0))
        await settle(pilot)
        assert screen.sort == "reps" and screen.descending


async def test_the_card_view_shows_its_review_history(studied: Collection) -> None:
    reviewed = next(r for r in studied.search_cards() if studied.card_history(r.id))
    history = studied.card_history(reviewed.id)
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        await pilot.press("down")
        while ids(screen)[screen.query_one("#cards", DataTable).cursor_row] != reviewed.id:
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        text = rendered(app.screen.query_one(CardHistory))
        assert f"{len(history)} grade" in text
        newest = history[-1]
        assert newest.day.strftime("%d %b %y") in text
        assert f"{newest.interval_before}d → {newest.interval_after}d" in text


async def test_a_card_never_reviewed_says_so(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_browse(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "Never reviewed." in rendered(app.screen.query_one(CardHistory))


async def test_the_tag_box_completes_a_known_tag(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        box = screen.query_one("#tag", Input)
        box.focus()
        await pilot.press(*"reg")
        await settle(pilot)
        assert box._suggestion == "regularization"
        assert ids(screen) == ["ui-dropout-p"]  # a prefix of a tag already matches
        await pilot.press("right")
        assert box.value == "regularization"
        box.value = "act"
        await settle(pilot)
        assert set(ids(screen)) == {"ui-sigmoid-range", "ui-relu", "ui-tanh"}


async def test_the_search_box_completes_tag_and_is_terms(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        box = screen.query_one("#search", Input)
        await pilot.press(*"tag:soft")
        await settle(pilot)
        assert box._suggestion == "tag:softmax"
        assert ids(screen) == ["ui-softmax-sum"]
        box.value = "relu is:susp"
        await settle(pilot)
        assert box._suggestion == "relu is:suspended"


async def test_search_runs_in_a_worker_and_stale_results_are_dropped(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        await pilot.press(*"relu")
        await settle(pilot)
        assert ids(screen) == ["ui-relu"]
        everything = collection.search_cards()
        screen.post_message(SearchDone(screen._generation - 1, everything, [[]] * 8))
        await pilot.pause()
        assert ids(screen) == ["ui-relu"]  # an overtaken search changes nothing
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await settle(pilot)
        assert len(ids(screen)) == len(everything)


async def test_the_show_filter_keeps_suspended_cards(collection: Collection) -> None:
    collection.suspend("ui-tanh")
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        screen.query_one("#show", Select).value = "suspended"
        await settle(pilot)
        assert ids(screen) == ["ui-tanh"]


async def test_u_undoes_suspend_and_reset_and_names_them(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        await pilot.press(*"relu")
        await settle(pilot)
        await pilot.press("down")
        before = studied.search_cards("relu")[0]
        assert before.due is not None
        await pilot.press("s")
        await settle(pilot)
        assert studied.search_cards("relu")[0].suspended
        await pilot.press("u")
        await settle(pilot)
        assert studied.search_cards("relu")[0] == before
        assert any("Undone: Suspended ui-relu" in str(n.message) for n in app._notifications)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert studied.search_cards("relu")[0].due is None
        await pilot.press("u")
        await settle(pilot)
        assert studied.search_cards("relu")[0] == before
        assert any("Undone: Reset ui-relu" in str(n.message) for n in app._notifications)
        assert screen.check_action("undo", ()) is False  # nothing left: the key is greyed


async def test_at_80_columns_the_front_has_the_room(studied: Collection) -> None:
    """At 80 columns Front showed 14 characters: EF and Lapses (in the card view) give way,
    unless the table is sorted by one of them; from 100 columns every column shows."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(pilot)
        table = screen.query_one("#cards", DataTable)
        assert header(screen) == ["Deck▲", "Front", "Reps", "Ivl", "Due", ""]
        front = next(c for c in table.columns.values() if str(c.label) == "Front")
        assert front.get_render_width(table) >= 28
        first = screen.rows[ids(screen)[0]]
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[1] == " ".join(first.front.split()) and row[2] == str(first.repetitions)
        while screen.sort != "lapses":
            await pilot.press("down", "o")
            await settle(pilot)
        assert "Lapses▲" in header(screen) and "EF" not in header(screen)
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_browse(pilot)
        assert header(screen) == ["Deck▲", "Front", "EF", "Reps", "Ivl", "Due", "Lapses", ""]
