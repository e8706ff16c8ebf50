"""`studyapp add`, `edit`, `revert` and `flags` as a script would use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studyapp.collection import Collection

from .test_cli import env as env  # the fixture: a tiny content folder
from .test_cli import run


def test_add_edit_and_list_a_card_of_ones_own(env: dict[str, str]) -> None:
    code, out = run("add", "--deck", "My notes", "--front", "ReLU of -2?", "--back", "0")
    assert code == 0 and out.strip() == "own-my-notes-1"
    code, out = run("edit", "own-my-notes-1", "--back", "Zero", "--tags", "relu mine")
    assert (code, out.strip()) == (0, "own-my-notes-1: saved")
    collection = Collection.open(env["db"])
    card = collection.card("own-my-notes-1")
    assert card is not None and (card.front, card.back, card.tags) == (
        "ReLU of -2?",
        "Zero",
        ("relu", "mine"),
    )
    assert card.is_new
    collection.close()
    code, out = run("add", "--deck", "Mine", "--front", " ", "--back", "x")
    assert code == 1 and "front" in out


def test_edit_a_bundled_card_then_revert(env: dict[str, str]) -> None:
    assert run("edit", "tiny-relu", "--back", "Nothing: 0.")[0] == 0
    collection = Collection.open(env["db"])
    assert collection.card_text("tiny-relu").overridden
    collection.close()
    code, out = run("revert", "tiny-relu")
    assert (code, out.strip()) == (0, "tiny-relu: back to the bundled text")
    code, out = run("revert", "tiny-relu")
    assert code == 1 and "not edited" in out
    code, out = run("edit", "nope", "--back", "x")
    assert code == 1 and "no card with id 'nope'" in out


def test_flags_lists_flagged_cards_as_text_and_json(env: dict[str, str], tmp_path: Path) -> None:
    assert run("flags")[1].strip() == "No flagged cards."
    collection = Collection.open(env["db"])
    collection.flag_card("tiny-sigmoid", "unclear", "open or closed interval?")
    collection.close()
    code, out = run("flags")
    assert code == 0
    assert "unclear  tiny" in out and "tiny-sigmoid" in out
    assert "note: open or closed interval?" in out
    code, out = run("flags", "--json")
    listed = json.loads(out)["flags"]
    assert [(f["card"], f["deck"], f["kind"], f["note"]) for f in listed] == [
        ("tiny-sigmoid", "tiny", "unclear", "open or closed interval?")
    ]
    assert listed[0]["front"] == "What range does the sigmoid output lie in?"
    assert listed[0]["deck_name"] == "Tiny deck" and listed[0]["flagged_at"].endswith("+00:00")


@pytest.mark.parametrize("command", ["add", "edit", "revert", "flags"])
def test_every_new_command_has_help(command: str) -> None:
    assert run(command, "--help")[0] == 0
