"""Snapshots of issue 15's new screens: the add and edit forms and the flag dialog, at
80×24 and 60×20 (regenerate with --snapshot-update and look at them)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studyapp.collection import Collection

from .test_snapshots import app_for

SnapCompare = Callable[..., bool]
SIZES = [(80, 24), (60, 20)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_add_form(snap_compare: SnapCompare, collection: Collection, size: tuple[int, int]) -> None:
    collection.add_card("My notes", {"front": "Mine?", "back": "Yes."})
    assert snap_compare(app_for(collection), press=["a"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_edit_form(snap_compare: SnapCompare, studied: Collection, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(studied), press=["r", "space", "e"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_flag_dialog(snap_compare: SnapCompare, studied: Collection, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(studied), press=["r", "space", "f"], terminal_size=size)


def test_browse_marks_flagged_and_edited_cards(
    snap_compare: SnapCompare, collection: Collection
) -> None:
    collection.flag_card("ui-relu", "wrong", "slope at 0?")
    text = collection.card_text("ui-lr")
    collection.edit_card("ui-lr", text.fields | {"back": "It diverges: each step overshoots."})
    assert snap_compare(app_for(collection), press=["b", "down"], terminal_size=(80, 24))
