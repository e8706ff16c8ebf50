"""Issue 14's "Done when": Anki -> studyapp -> Anki and studyapp -> Anki -> studyapp keep
every card, its deck, tags, suspension and schedule (scripts/anki_round_trip.py's core, on
a small collection: three simulated days each side)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("anki.collection")

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "anki_round_trip", ROOT / "scripts" / "anki_round_trip.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_anki_to_studyapp_to_anki_keeps_every_card_and_its_schedule(tmp_path: Path) -> None:
    table = _script().anki_first(tmp_path, days=3)
    assert table.mismatches == []
    assert table.cards_in == 14  # every card of every note kind, siblings included
    assert all(count == table.cards_in for count in table.matched.values())


def test_studyapp_to_anki_to_studyapp_keeps_every_card_and_its_schedule(tmp_path: Path) -> None:
    table = _script().studyapp_first(tmp_path, days=3)
    assert table.mismatches == []
    assert table.cards_in == table.cards_out > 200
    assert all(count == table.cards_in for count in table.matched.values())


def test_a_mismatch_is_listed_card_by_card() -> None:
    script = _script()
    same = {"deck": "D", "tags": (), "suspended": False, "interval": 3, "ease": 2500}
    same |= {"due": None, "reviews": 2, "lapses": 0}
    table = script.compare("t", {"a": same, "b": same}, {"a": same | {"interval": 4}, "c": same})
    assert table.mismatches == ["a: interval 3 -> 4", "b: missing", "c: extra card"]
    assert table.matched["interval"] == 0 and table.matched["deck"] == 1
