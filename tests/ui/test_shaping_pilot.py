"""Pilot tests of issue 15's add, edit, flag and revert, each undone in the session: keys
pressed as a learner would, results read from the database."""

from __future__ import annotations

import io
import shutil
import stat
from pathlib import Path

import pytest
from rich.console import Console
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import DataTable, Input, Static, TextArea

from studyapp.collection import Collection
from studyapp.config import FixedClock
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen, ConfirmScreen
from studyapp.ui.card_forms import CardFormScreen, FlagScreen
from studyapp.ui.home import HomeScreen
from studyapp.ui.review import ReviewScreen

from .builders import FIXTURE_DECKS, SEED, open_collection

SIZE = (100, 32)


def plain(widget: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def text_of(collection: Collection, card_id: str) -> tuple[str, str]:
    card = collection.card(card_id)
    assert card is not None
    return card.front, card.back


def highlighted(screen: BrowseScreen) -> str:
    table = screen.query_one("#cards", DataTable)
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    assert key is not None
    return key


async def test_add_a_card_from_home_into_a_new_deck_and_undo_it_in_browse(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CardFormScreen)
        assert form.focused is form.query_one("#field-deck", Input)  # no deck of theirs yet
        await pilot.press(*"My notes", "tab", *"ReLU of -3?", "tab", "0", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert collection.own_decks() == [("own-my-notes", "My notes")]
        added = collection.search_cards(deck="own-my-notes")
        assert [(r.front, r.due) for r in added] == [("ReLU of -3?", None)]
        assert "own-my-notes" in [d.id for d in collection.home().decks]

        await pilot.press("b")
        await pilot.pause()
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        await pilot.press("down", "u")  # to the table; u undoes the add
        await pilot.pause()
        assert collection.search_cards(deck="own-my-notes") == []
        assert collection.own_decks() == []


async def test_a_form_without_front_is_not_saved(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Mine", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CardFormScreen)  # still open, told why
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and collection.own_decks() == []


async def test_edit_in_review_only_after_the_answer_shows_at_once_and_undoes(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        first = review.session.current
        assert first is not None
        await pilot.press("space", "4")  # grade the first card
        await pilot.pause()
        card = review.session.current
        assert card is not None and card.id != first.id
        await pilot.press("e")  # not before the answer is shown
        await pilot.pause()
        assert app.screen is review
        await pilot.press("space", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CardFormScreen)
        assert form.query_one("#field-back", TextArea).text == card.back
        form.query_one("#field-back", TextArea).load_text("My own back.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is review and review.revealed
        assert "My own back." in plain(review.query_one("#back", Static))
        assert text_of(collection, card.id)[1] == "My own back."
        assert collection.card_text(card.id).overridden  # a bundled card: kept as an override

        await pilot.press("u")  # the edit came last: it is undone, the grade stays
        await pilot.pause()
        assert text_of(collection, card.id)[1] == card.back
        assert card.back in plain(review.query_one("#back", Static))
        assert review.session.current is not None and review.session.current.id == card.id
        assert collection.overrides() == []
        await pilot.press("u")  # then the grade
        await pilot.pause()
        assert review.session.current is not None and review.session.current.id == first.id
        assert not review.session.can_undo


async def test_editor_rewrites_a_box_through_app_suspend(
    collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "Written in the editor.\\n" > "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VISUAL", str(script))
    suspended: list[bool] = []
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))
    monkeypatch.setattr(
        HeadlessDriver, "suspend_application_mode", lambda self: suspended.append(True)
    )
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CardFormScreen)
        form.query_one("#field-why", Input).focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert suspended == [True]
        assert form.query_one("#field-why", Input).value == "Written in the editor."
        await pilot.press("ctrl+s")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        current = review.session.current
        assert current is not None and current.why == "Written in the editor."


async def test_a_bundled_edit_survives_a_deck_update_and_reverts_in_browse(
    tmp_path: Path, ui_clock: FixedClock
) -> None:
    decks = tmp_path / "decks"
    shutil.copytree(FIXTURE_DECKS, decks)
    collection = open_collection(tmp_path / "shape.db", ui_clock)
    collection.sync(decks)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("b", *"ReLU", "enter")  # search, then to the table
            await pilot.pause(0.4)
            browse = app.screen
            assert isinstance(browse, BrowseScreen) and highlighted(browse) == "ui-relu"
            await pilot.press("e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, CardFormScreen)
            form.query_one("#field-front", TextArea).load_text("ReLU and its slope above 0?")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "✎" in browse.marks["ui-relu"]
            assert text_of(collection, "ui-relu")[0] == "ReLU and its slope above 0?"

            # the bundled deck is updated: this card's front and back change
            deck = decks / "basics.toml"
            source = deck.read_text(encoding="utf-8")
            source = source.replace(
                "Write ReLU and its slope for z > 0.", "Give ReLU and its slope when z > 0."
            )
            source = source.replace("its slope is 1 for every", "the slope is 1 for each")
            deck.write_text(source, encoding="utf-8")
            report = collection.sync(decks)
            assert report.updated == 1
            front, back = text_of(collection, "ui-relu")
            assert front == "ReLU and its slope above 0?"  # the learner's text stays
            assert back == "ReLU(z) = max(0, z); the slope is 1 for each positive z."

            browse.search()
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await pilot.pause()
            assert text_of(collection, "ui-relu")[0] == "Give ReLU and its slope when z > 0."
            assert "✎" not in browse.marks.get("ui-relu", "")
            await pilot.press("v")  # nothing to revert now: not offered
            await pilot.pause()
            assert app.screen is browse
            await pilot.press("u")  # the revert is undone: the learner's text is back
            await pilot.pause()
            assert text_of(collection, "ui-relu")[0] == "ReLU and its slope above 0?"
            assert "✎" in browse.marks["ui-relu"]
    finally:
        collection.close()


async def test_flag_in_review_then_filter_change_remove_and_undo_in_browse(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        card = review.session.current
        assert card is not None
        await pilot.press("f")  # not before the answer
        await pilot.pause()
        assert app.screen is review
        await pilot.press("space", "f")
        await pilot.pause()
        assert isinstance(app.screen, FlagScreen)
        await pilot.press(*"the bias is missing", "enter")
        await pilot.pause()
        assert app.screen is review
        flags = collection.flags()
        assert [(f["card"], f["kind"], f["note"]) for f in flags] == [
            (card.id, "wrong", "the bias is missing")
        ]
        await pilot.press("escape", "b")
        await pilot.pause()
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        await pilot.press(*"flag:")
        await pilot.pause(0.4)
        table = browse.query_one("#cards", DataTable)
        assert table.row_count == 1 and highlighted(browse) == card.id
        assert browse.marks[card.id] == "⚑"
        await pilot.press("down", "f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FlagScreen) and dialog.flagged
        assert dialog.query_one("#flag-note", Input).value == "the bias is missing"
        await pilot.press("ctrl+r")  # remove the flag
        await pilot.pause()
        assert collection.flags() == [] and table.row_count == 0
        browse.query_one("#search", Input).value = "flag:unclear"
        await pilot.pause(0.4)
        assert table.row_count == 0
        browse.query_one("#search", Input).value = ""
        await pilot.pause(0.4)
        table.focus()
        await pilot.press("u")  # the flag is back
        await pilot.pause()
        assert [f["kind"] for f in collection.flags()] == ["wrong"]
